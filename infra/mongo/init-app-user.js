// Runs once, on the first start of an empty database (docker-entrypoint-initdb.d), as the root user:
// the service's own user, which may only read and write its database (indexes included, created by the
// api at start-up). MONGODB_URL in compose uses it.
const database = process.env.MONGODB_DATABASE || "partners";
db.getSiblingDB("admin").createUser({
  user: process.env.MONGO_APP_USER,
  pwd: process.env.MONGO_APP_PASSWORD,
  roles: [{ role: "readWrite", db: database }],
});

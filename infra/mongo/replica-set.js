// Healthcheck of the mongo service (run by mongosh as the root user every few seconds):
// initiates the single-node replica set the first time, then is healthy only while this node is the
// writable primary, so the api starts once writes can succeed.
const name = process.env.MONGO_REPLICA_SET || "rs0";
try {
  rs.status();
} catch (error) {
  if (error.codeName !== "NotYetInitialized") {
    throw error;
  }
  // The host name is how the other containers reach this node (the compose service name).
  rs.initiate({ _id: name, members: [{ _id: 0, host: "mongo:27017" }] });
}
if (!db.hello().isWritablePrimary) {
  quit(1);
}

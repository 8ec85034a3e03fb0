#!/bin/bash
# Entry point of the mongo service: a single-node replica set with authentication.
# A replica set with access control needs a key file (members authenticate each other with it); one is
# made on first start and kept in the config volume. The image's own entry point then creates the root
# user and runs /docker-entrypoint-initdb.d (the service's user) on first start, without --replSet and
# --keyFile, and starts mongod with them; the healthcheck (replica-set.js) initiates the set.
set -euo pipefail
key=/data/configdb/replica-set.key
if [ ! -s "$key" ]; then
  head -c 756 /dev/urandom | base64 -w 0 > "$key"
fi
chmod 400 "$key"
chown mongodb:mongodb "$key"
exec docker-entrypoint.sh mongod --replSet "${MONGO_REPLICA_SET:-rs0}" --bind_ip_all --keyFile "$key" "$@"

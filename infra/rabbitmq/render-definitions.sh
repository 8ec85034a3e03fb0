#!/bin/sh
# Entry point of the rabbitmq service: writes /etc/rabbitmq/definitions.json from the committed template
# (definitions.json beside this script) with the service's user and password from .env, then starts the
# broker through the image's own entry point. RabbitMQ imports the file at every boot (rabbitmq.conf:
# load_definitions); with definitions configured it creates no default (guest) user, so the user comes
# from here.
set -eu
: "${RABBITMQ_USER:?set RABBITMQ_USER in .env}"
: "${RABBITMQ_PASSWORD:?set RABBITMQ_PASSWORD in .env}"
case "${RABBITMQ_USER}${RABBITMQ_PASSWORD}" in
  *[!A-Za-z0-9._~-]*)
    # They go into amqp:// URLs (RABBITMQ_URL) unescaped, and into JSON here: keep them URL-safe.
    echo "RABBITMQ_USER and RABBITMQ_PASSWORD may only use A-Z a-z 0-9 . _ ~ -" >&2
    exit 2
    ;;
esac
umask 027
sed -e "s/__RABBITMQ_USER__/${RABBITMQ_USER}/g" -e "s/__RABBITMQ_PASSWORD__/${RABBITMQ_PASSWORD}/g" \
  "$(dirname "$0")/definitions.json" > /etc/rabbitmq/definitions.json
chown rabbitmq:rabbitmq /etc/rabbitmq/definitions.json
exec docker-entrypoint.sh "$@"

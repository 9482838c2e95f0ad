#!/bin/sh
# Service init: $1 = client defaults file, $2 = database name. Waits (up to 60 s) for the freshly started server,
# then creates the database and its table; idempotent.
set -eu
i=0
until mariadb-admin --defaults-file="$1" ping >/dev/null 2>&1; do
  i=$((i + 1))
  [ "$i" -le 120 ] || { echo "mariadb did not answer within 60 s" >&2; exit 1; }
  sleep 0.5
done
mariadb --defaults-file="$1" -e "CREATE DATABASE IF NOT EXISTS \`$2\`; CREATE TABLE IF NOT EXISTS \`$2\`.items (id INT PRIMARY KEY, name VARCHAR(64)); INSERT IGNORE INTO \`$2\`.items VALUES (1, 'seed');"

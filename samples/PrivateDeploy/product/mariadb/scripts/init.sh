#!/bin/sh
# Service init: $1 = client defaults file, $2 = database name. Creates the database and its table; idempotent.
set -eu
mariadb --defaults-file="$1" -e "CREATE DATABASE IF NOT EXISTS \`$2\`; CREATE TABLE IF NOT EXISTS \`$2\`.items (id INT PRIMARY KEY, name VARCHAR(64)); INSERT IGNORE INTO \`$2\`.items VALUES (1, 'seed');"

#!/usr/bin/env bash
# Starts (creating it on first use) a project-local PostGIS cluster under .pgdata/.
# PostgreSQL's initdb refuses to run as root, so as root the cluster belongs to the
# `postgres` system user. Idempotent: a running cluster is left alone.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${PGDATA_DIR:-$ROOT/.pgdata}
PORT_FILE=$ROOT/.pgport  # read by the Makefile and app/config.py

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
DBNAME=${PGDATABASE_NAME:-zhunong}

as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "no postgres system user: install postgresql-15" >&2; exit 1; }
  # The postgres user must reach the data folder; when the checkout lives somewhere it
  # cannot traverse, keep the cluster in its home and link it into the project.
  if ! su postgres -s /bin/bash -c "test -x '$ROOT'"; then
    alt=/var/lib/postgresql/zhunong-$(echo "$ROOT" | md5sum | cut -c1-8)
    mkdir -p "$alt" && chown postgres:postgres "$alt"
    [ -L "$DATA" ] || ln -sfn "$alt" "$DATA"
  fi
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  # Another checkout's cluster (or any server) may hold 5433: take the first free port.
  PGPORT=${PGPORT:-5433}
  while port_busy "$PGPORT"; do PGPORT=$((PGPORT + 1)); done
  echo "$PGPORT" > "$PORT_FILE"
  mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA" && chmod 700 "$DATA"
  as_owner "'$PGBIN/initdb' -D '$DATA' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null"
  cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$DATA'
max_connections = 200
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
fsync = on
synchronous_commit = on
CONF
fi

PGPORT=$(sed -n 's/^port = \([0-9]*\).*/\1/p' "$DATA/postgresql.conf" | tail -1)
echo "$PGPORT" > "$PORT_FILE"

if ! as_owner "'$PGBIN/pg_ctl' -D '$DATA' status" >/dev/null 2>&1; then
  as_owner "'$PGBIN/pg_ctl' -D '$DATA' -l '$DATA/server.log' -w -t 60 start" >/dev/null
fi

psql_() { "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ -z "$(psql_ -d postgres -c "select 1 from pg_database where datname='$DBNAME'")" ]; then
  psql_ -d postgres -c "create database $DBNAME"
fi
psql_ -d "$DBNAME" -c "create extension if not exists postgis"
echo "PostGIS ready: postgresql+psycopg://postgres@127.0.0.1:$PGPORT/$DBNAME"

# shellcheck shell=bash
# The local stack's database and cache, for its pods on the real node (sourced by up.sh and down.sh after
# lib.sh): a PostgreSQL and a Redis on this host, listening only on the bridge address ($NODE_IP, where pods
# and this host reach them), never on the host's network interfaces. Their ports are the standard ones:
# the bridge exists once per machine (one real node at a time), so GSS_CLUSTER_PORT_BASE need not shift them.
#
# Local only: PostgreSQL trusts connections from the pod network and loopback (the stack's Secret holds a
# password the service sends, which this server does not check), and neither server persists anything
# beyond .cluster/. Pulumi.local.yaml points the stack at them (database.host/port, redis.addr).

PG_PORT=5432
REDIS_PORT=6379
# Where PostgreSQL keeps its data and socket: under .cluster/ when the postgres user can reach it; else (a
# checkout under a directory only root may enter, such as one mktemp -d made) a directory of its own in /tmp,
# named in .cluster/postgres.dir so that down.sh stops the server there and removes it.
PG_DIR_NOTE="$STATE/postgres.dir"
services_pg_dir() {
  if [ -f "$PG_DIR_NOTE" ]; then cat "$PG_DIR_NOTE"; else echo "$STATE/postgres"; fi
}
PG_DIR="$(services_pg_dir)"
LOCAL_DB_NAME=myapp_local
LOCAL_DB_USER=app_user

services_pg_bin() {
  local bin
  bin="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)"
  [ -n "$bin" ] || die "PostgreSQL is not installed (scripts/cluster/install-node-deps.sh installs it)"
  dirname "$bin"
}

as_postgres() { runuser -u postgres -- "$@"; }

services_start() {
  local pg
  pg="$(services_pg_bin)"
  command -v redis-server >/dev/null || die "redis-server is not installed (scripts/cluster/install-node-deps.sh installs it)"
  # postgres runs as its own user: it must traverse .cluster/ (no listing) and own its data directory.
  chmod 711 "$STATE"
  if as_postgres test -x "$STATE"; then
    PG_DIR="$STATE/postgres"
    mkdir -p "$PG_DIR"
  else
    PG_DIR="$(mktemp -d /tmp/gss-postgres.XXXXXX)"
    echo "$PG_DIR" >"$PG_DIR_NOTE"
    log "PostgreSQL's data in $PG_DIR: the postgres user cannot enter $STATE (a parent directory is closed to it)"
  fi
  chown postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  as_postgres "$pg/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust --auth-host=trust -E UTF8 >"$LOGS/postgres-initdb.log" 2>&1 \
    || die "initdb failed (see $LOGS/postgres-initdb.log)"
  printf 'host all all %s trust\n' "$POD_CIDR" >"$PG_DIR/data/pg_hba.conf"
  as_postgres "$pg/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=$NODE_IP -p $PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off -c max_connections=200" start \
    >/dev/null || die "PostgreSQL did not start (see $PG_DIR/server.log)"
  as_postgres "$pg/psql" -h "$NODE_IP" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE $LOCAL_DB_USER LOGIN" -c "CREATE DATABASE $LOCAL_DB_NAME OWNER $LOCAL_DB_USER" >/dev/null \
    || die "creating the local stack's role and database failed"
  start redis-server --bind "$NODE_IP" --port "$REDIS_PORT" --save "" --appendonly no --protected-mode no
}

services_stop() {
  local pg
  PG_DIR="$(services_pg_dir)"
  if [ -f "$PG_DIR/data/postmaster.pid" ] && pg="$(services_pg_bin 2>/dev/null)"; then
    as_postgres "$pg/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  # A data directory outside .cluster/ goes with it.
  if [ -f "$PG_DIR_NOTE" ]; then
    case "$PG_DIR" in /tmp/gss-postgres.*) rm -rf "$PG_DIR" ;; esac
    rm -f "$PG_DIR_NOTE"
  fi
}

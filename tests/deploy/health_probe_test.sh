#!/usr/bin/env bash
# health_probe_test.sh PROBE INSTANCE_SERVICE GRANTS_SQL BUF [DATABASE_SERVICE]
# The container HEALTHCHECK probe against the real instance-service, on the `postgres`
# fixture ($DBS_TEST_PG_STATE_DIR/conninfo, or $DBS_TEST_DATABASE_URL), configured the
# way deploy/k8s runs it: the schema migrated and deploy/sql/grants.sql applied as the
# owner, then the server logged in as its own least-privileged role with
# INSTANCE_SERVICE_MIGRATE_ON_START=0:
#   - exit 0 for service "" (liveness) and for instance.v1.DbServerService
#     (readiness), and a CreateDbServer + ListDbServers through it succeed;
#   - with its database unreachable: still 0 for "", but 1 for readiness, the split the
#     Kubernetes probes in deploy/k8s rely on (restart nothing, route nothing);
#   - 1 for an unknown service and once the server is gone; 2 for bad usage;
#   - with DATABASE_SERVICE: its readiness service (database.v1.DatabaseService, the
#     name deploy/k8s probes) is NOT_SERVING while its instance-service target is
#     unreachable and SERVING once it points at the live one.
set -euo pipefail
probe=$1
server=$2
grants=$3
buf=$4
database_service=${5:-}

admin=${DBS_TEST_DATABASE_URL:-$(cat "${DBS_TEST_PG_STATE_DIR:?run through ctest}/conninfo")}
db="health_probe_$$_$RANDOM"
role="health_probe_svc_$$_$RANDOM"   # roles are cluster-wide: one per run
psql "$admin" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" -c "CREATE ROLE $role LOGIN"
pids=()
logs=$(mktemp -d "${TMPDIR:-/tmp}/health_probe.XXXXXX")
cleanup() {
  rm -rf "$logs"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  psql "$admin" -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP ROLE IF EXISTS $role" || true
}
trap cleanup EXIT
# The schema job: migrations and grants, as the owner.
INSTANCE_SERVICE_DATABASE_URL="$admin dbname=$db" "$server" migrate
psql "$admin dbname=$db" -X -q -v ON_ERROR_STOP=1 --single-transaction \
  -v instance_role="$role" -f "$grants"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((10000 + RANDOM % 22000)) # below the ephemeral range (32768-), like PickFreeLoopbackPort
    port_in_use "$port" || { echo "$port"; return; }
  done
  return 1
}

expect() {
  local want=$1 got=0
  shift
  "$probe" "$@" || got=$?
  if [[ $got -ne $want ]]; then
    echo "FAIL: grpc-health-probe $* exited $got, expected $want"
    exit 1
  fi
  echo "ok: grpc-health-probe $* -> $got"
}
wait_until() {  # wait_until ARGS...: until the probe with ARGS succeeds, 20 s at most
  for _ in $(seq 200); do
    "$probe" --timeout_ms=200 "$@" 2>/dev/null && return 0
    sleep 0.1
  done
}
# wait_for_verdict LOG: until the server's readiness loop has judged once (its first
# verdict is always logged), 20 s at most; a verdict, not a fixed time, however busy
# the machine.
wait_for_verdict() {
  for _ in $(seq 200); do
    grep -q 'ready (SERVING)\|not ready (NOT_SERVING)' "$1" && return 0
    sleep 0.1
  done
  echo "FAIL: no readiness verdict in $1"; cat "$1"; exit 1
}

# A server with its database, as its own role.
port=$(free_port)
INSTANCE_SERVICE_DATABASE_URL="$admin dbname=$db user=$role" INSTANCE_SERVICE_MIGRATE_ON_START=0 \
  INSTANCE_SERVICE_READINESS_INTERVAL_MS=200 "$server" --listen "127.0.0.1:$port" \
  --metrics_listen 127.0.0.1:0 &
pids+=($!)
wait_until --service=instance.v1.DbServerService "127.0.0.1:$port"
expect 0 "127.0.0.1:$port"
expect 0 --service=instance.v1.DbServerService "127.0.0.1:$port"
call() {
  "$buf" curl --protocol grpc --http2-prior-knowledge -d "$2" \
    "http://127.0.0.1:$port/instance.v1.DbServerService/$1"
}
call CreateDbServer '{"db_server": {"display_name": "pool-a", "host": "10.0.0.1", "port": 5432,
  "server_type": "postgres", "max_instances": 10}, "request_id": "0b0e2b5c-6f0a-4c1e-9d7e-1f2a3b4c5d6e"}'
call ListDbServers '{}' | grep -q '"displayName": *"pool-a"' \
  || { echo "FAIL: ListDbServers does not show pool-a"; exit 1; }
echo "ok: CreateDbServer and ListDbServers as $role"
expect 1 --service=no.such.Service "127.0.0.1:$port"
expect 2 --timeout_ms=x "127.0.0.1:$port"
expect 2

# A server whose database is unreachable: alive, not ready.
dead_db_port=$(free_port)
port2=$(free_port)
INSTANCE_SERVICE_DATABASE_URL="host=127.0.0.1 port=$dead_db_port dbname=$db connect_timeout=1" \
  INSTANCE_SERVICE_MIGRATE_ON_START=0 INSTANCE_SERVICE_READINESS_INTERVAL_MS=200 \
  "$server" --listen "127.0.0.1:$port2" --metrics_listen 127.0.0.1:0 2>"$logs/instance-service.log" &
pids+=($!)
wait_until "127.0.0.1:$port2"
wait_for_verdict "$logs/instance-service.log"
expect 0 "127.0.0.1:$port2"
expect 1 --service=instance.v1.DbServerService "127.0.0.1:$port2"

if [[ -n $database_service ]]; then
  for target in "127.0.0.1:$dead_db_port" "127.0.0.1:$port"; do
    ds_port=$(free_port)
    DATABASE_SERVICE_INSTANCE_SERVICE_TARGET=$target DATABASE_SERVICE_MONITORING_INTERVAL_MS=0 \
      DATABASE_SERVICE_READINESS_INTERVAL_MS=200 "$database_service" --listen "127.0.0.1:$ds_port" \
      --metrics_listen 127.0.0.1:0 2>"$logs/database-service-$ds_port.log" &
    pids+=($!)
    wait_until "127.0.0.1:$ds_port"
    if [[ $target == *":$port" ]]; then
      wait_until --service=database.v1.DatabaseService "127.0.0.1:$ds_port"
      expect 0 --service=database.v1.DatabaseService "127.0.0.1:$ds_port"
    else
      wait_for_verdict "$logs/database-service-$ds_port.log"
      expect 0 "127.0.0.1:$ds_port"
      expect 1 --service=database.v1.DatabaseService "127.0.0.1:$ds_port"
    fi
  done
fi

# Gone: the probe fails instead of hanging.
kill -TERM "${pids[0]}"
wait "${pids[0]}" || true
expect 1 --timeout_ms=500 "127.0.0.1:$port"

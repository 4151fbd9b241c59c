#!/usr/bin/env bash
# health_probe_test.sh PROBE INSTANCE_SERVICE
# The container HEALTHCHECK probe against the real instance-service, on the `postgres`
# fixture ($DBS_TEST_PG_STATE_DIR/conninfo, or $DBS_TEST_DATABASE_URL):
#   - with its database: exit 0 for service "" (liveness) and for
#     instance.v1.DbServerService (readiness);
#   - with its database unreachable: still 0 for "", but 1 for readiness, the split the
#     Kubernetes probes in deploy/k8s rely on (restart nothing, route nothing);
#   - 1 for an unknown service and once the server is gone; 2 for bad usage.
set -euo pipefail
probe=$1
server=$2

admin=${DBS_TEST_DATABASE_URL:-$(cat "${DBS_TEST_PG_STATE_DIR:?run through ctest}/conninfo")}
db="health_probe_$$_$RANDOM"
psql "$admin" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  psql "$admin" -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
}
trap cleanup EXIT

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 30000))
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

# A server with its database.
port=$(free_port)
INSTANCE_SERVICE_DATABASE_URL="$admin dbname=$db" INSTANCE_SERVICE_READINESS_INTERVAL_MS=200 \
  "$server" --listen "127.0.0.1:$port" &
pids+=($!)
wait_until --service=instance.v1.DbServerService "127.0.0.1:$port"
expect 0 "127.0.0.1:$port"
expect 0 --service=instance.v1.DbServerService "127.0.0.1:$port"
expect 1 --service=no.such.Service "127.0.0.1:$port"
expect 2 --timeout_ms=x "127.0.0.1:$port"
expect 2

# A server whose database is unreachable: alive, not ready.
dead_db_port=$(free_port)
port2=$(free_port)
INSTANCE_SERVICE_DATABASE_URL="host=127.0.0.1 port=$dead_db_port dbname=$db connect_timeout=1" \
  INSTANCE_SERVICE_MIGRATE_ON_START=0 INSTANCE_SERVICE_READINESS_INTERVAL_MS=200 \
  "$server" --listen "127.0.0.1:$port2" &
pids+=($!)
wait_until "127.0.0.1:$port2"
sleep 1
expect 0 "127.0.0.1:$port2"
expect 1 --service=instance.v1.DbServerService "127.0.0.1:$port2"

# Gone: the probe fails instead of hanging.
kill -TERM "${pids[0]}"
wait "${pids[0]}" || true
expect 1 --timeout_ms=500 "127.0.0.1:$port"

#!/usr/bin/env bash
# health_probe_test.sh PROBE INSTANCE_SERVICE
# Starts the real instance-service on a free loopback port and checks the container
# HEALTHCHECK probe: exit 0 for service "" and instance.v1.DbServerService while it
# serves, 1 for an unknown service and once the server is gone, 2 for bad usage.
set -euo pipefail
probe=$1
server=$2

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 20); do
  port=$((20000 + RANDOM % 30000))
  port_in_use "$port" || break
done

"$server" --listen "127.0.0.1:$port" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT

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

for _ in $(seq 100); do
  "$probe" --timeout_ms=200 "127.0.0.1:$port" 2>/dev/null && break
  sleep 0.1
done
expect 0 "127.0.0.1:$port"
expect 0 --service=instance.v1.DbServerService "127.0.0.1:$port"
expect 1 --service=no.such.Service "127.0.0.1:$port"
expect 2 --timeout_ms=x "127.0.0.1:$port"
expect 2
kill -TERM "$pid"
wait "$pid" || true
expect 1 --timeout_ms=500 "127.0.0.1:$port"

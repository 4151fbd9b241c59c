#!/usr/bin/env bash
# grpcurl-style discovery against the real binary: `buf curl --list-services` over
# reflection must show the API and the health service.
set -euo pipefail
buf=$1
binary=$2
conninfo_file=$3  # the fixture's PostgreSQL; the service migrates its own schema there
port=$((30000 + RANDOM % 20000))
"$binary" --listen "127.0.0.1:$port" --metrics_listen 127.0.0.1:0 \
  --database_url "$(cat "$conninfo_file")" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  services=$("$buf" curl --protocol grpc --http2-prior-knowledge --list-services \
             "http://127.0.0.1:$port" 2>/dev/null) && break
  sleep 0.1
done
echo "$services"
grep -qx "instance.v1.DbServerService" <<<"$services"
grep -qx "grpc.health.v1.Health" <<<"$services"

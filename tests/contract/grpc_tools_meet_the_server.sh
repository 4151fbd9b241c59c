#!/usr/bin/env bash
# The real binary as grpcurl-style tools meet it (buf curl speaks both reflection
# protocols and reads descriptor sets, as grpcurl does):
#   - reflection grpc.reflection.v1 (what grpcurl >= 1.8.8, grpcui and Postman ask for
#     first) and v1alpha each list the API and the health service;
#   - with reflection off, the installed descriptor set (dbs_contract.protoset) is
#     enough to call the API, and its error details are described in it.
set -euo pipefail
buf=$1
binary=$2
conninfo_file=$3  # the fixture's PostgreSQL; the service migrates its own schema there
protoset="$4#format=binpb"  # buf reads a FileDescriptorSet as a binary image
port=$((30000 + RANDOM % 20000))
"$binary" --listen "127.0.0.1:$port" --database_url "$(cat "$conninfo_file")" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
bcurl() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }
for _ in $(seq 100); do
  bcurl --list-services "http://127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.1
done
for protocol in grpc-v1 grpc-v1alpha; do
  services=$(bcurl --reflect-protocol "$protocol" --list-services "http://127.0.0.1:$port")
  echo "$protocol: $(paste -sd' ' <<<"$services")"
  grep -qx "instance.v1.DbServerService" <<<"$services"
  grep -qx "grpc.health.v1.Health" <<<"$services"
  grep -qx "grpc.reflection.v1.ServerReflection" <<<"$services"
done
# Reflection off: the schema comes from the descriptor set alone.
listed=$(bcurl --schema "$protoset" --reflect=false -d '{"page_size":1}' \
           "http://127.0.0.1:$port/instance.v1.DbServerService/ListDbServers")
echo "protoset: ListDbServers -> $listed"
set +e
error=$(bcurl --schema "$protoset" --reflect=false -d '{"id":"not-a-uuid"}' \
          "http://127.0.0.1:$port/instance.v1.DbServerService/GetDbServer" 2>&1)
status=$?
set -e
echo "protoset: GetDbServer(not-a-uuid) -> exit $status: $error"
[[ $status != 0 ]]
grep -q '"code": "invalid_argument"' <<<"$error"
# Every type the details use is in the set, so tools can decode them.
for type in google.rpc.ErrorInfo google.rpc.BadRequest google.rpc.Status instance.v1.ErrorReason \
            grpc.health.v1.Health database.v1.DatabaseService; do
  "$buf" build "$protoset" --type "$type" -o /dev/null || { echo "protoset lacks $type" >&2; exit 1; }
done
echo "protoset: every error-detail type and both services are described"

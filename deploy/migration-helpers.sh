# shellcheck shell=bash
# The runbook's two recurring checks (deploy/MIGRATION.md), as shell functions. Source
# this file after defining, in your shell:
#
#   psql_primary ARGS...   psql on the instance database's primary (ARGS are psql's)
#   list_db_servers JSON   prints instance.v1.DbServerService/ListDbServers's answer to
#                          the request JSON, e.g. with grpcurl:
#     list_db_servers() { grpcurl -plaintext -emit-defaults -d "$1" 127.0.0.1:50051 \
#                           instance.v1.DbServerService/ListDbServers; }
#                          or with buf curl (README cheat-sheet):
#     list_db_servers() { buf curl --protocol grpc --http2-prior-knowledge --emit-defaults \
#                           -d "$1" http://127.0.0.1:50051/instance.v1.DbServerService/ListDbServers; }
#
# The answer may spell fields in proto3 JSON's lowerCamelCase (`dbServers`,
# `instanceCount`: buf curl, and grpcurl by default) or with the proto field names
# (`db_servers`, `instance_count`: grpcurl builds and other tools that print those);
# both work. deploy/local/rehearse-migration runs both functions after every step,
# with each spelling.
#
#   agree   the old service's allocation query and instance-service's listing name the
#           same pools; prints both lists and AGREE or DIFFER (status 0 or 1)
#   drift   every legacy/new column pair in step; prints the rows that are not and how
#           many (status 0 when none)

# The display names, sorted, of the pools in one ListDbServers answer (stdin) that
# have a free slot, then a tab and the next page token ("" on the last page).
migration_helpers_pool_page() {
  jq -r '
    [(.dbServers // .db_servers // [])[]
      | select((.instanceCount // .instance_count // 0) < (.maxInstances // .max_instances // 0))
      | (.displayName // .display_name)] as $names
    | ($names | join(",")) + "\t" + (.nextPageToken // .next_page_token // "")'
}

agree() {
  local old new page token="" names=()
  old=$(psql_primary -Atc "SELECT COALESCE(string_agg(name, ',' ORDER BY name COLLATE \"C\"), '')
                             FROM db_servers WHERE status = 'active' AND health_status = 'healthy'
                              AND instance_count < max_instances") || return 2
  while :; do
    page=$(list_db_servers '{"filter":"state = ACTIVE AND health = HEALTHY","page_size":1000,"page_token":"'"$token"'"}' |
           migration_helpers_pool_page) || return 2
    [[ -n "${page%%$'\t'*}" ]] && names+=("${page%%$'\t'*}")
    token=${page#*$'\t'}
    [[ -n "$token" ]] || break
  done
  new=$(printf '%s\n' "${names[@]}" | tr ',' '\n' | { grep -v '^$' || true; } | LC_ALL=C sort |
        paste -sd, -)
  echo "old: $old"
  echo "new: $new"
  if [[ "$old" == "$new" ]]; then echo AGREE; else echo DIFFER; return 1; fi
}

drift() {
  local rows
  rows=$(psql_primary -At -F ' | ' -c "
    SELECT id, name, display_name, status, state, health_status, health FROM db_servers
     WHERE name IS DISTINCT FROM display_name
        OR (status IS DISTINCT FROM db_servers_state_to_legacy(state)
            AND db_servers_state_from_legacy(status) IS DISTINCT FROM state)
        OR (health_status IS DISTINCT FROM db_servers_health_to_legacy(health)
            AND db_servers_health_from_legacy(health_status) IS DISTINCT FROM health)
     ORDER BY id") || return 2
  [[ -z "$rows" ]] && { echo "drift: 0 rows"; return 0; }
  echo "$rows"
  echo "drift: $(wc -l <<<"$rows") row(s) out of step"
  return 1
}

#!/usr/bin/env bash
# manifest_mutations.sh NODE KUBECTL TOOLS_DIR REPO WORK_DIR
# The manifest checks must be able to fail. Each case copies deploy/{k8s,postgres-cnpg,sql}
# into WORK_DIR, breaks one promised property, and expects validate_manifests.mjs to
# reject the render with the message that names it.
set -euo pipefail
node=$1 kubectl=$2 tools=$3 repo=$4 work=$5
validator=$(dirname "$0")/validate_manifests.mjs
failures=0

# mutate NAME DIR PROFILE EXPECTED-MESSAGE COMMAND...: COMMAND runs inside the copy.
mutate() {
  local name=$1 dir=$2 profile=$3 expected=$4
  shift 4
  rm -rf "$work" && mkdir -p "$work/deploy"
  cp -r "$repo/deploy/k8s" "$repo/deploy/postgres-cnpg" "$repo/deploy/sql" "$work/deploy/"
  (cd "$work" && "$@")
  local extra=() output
  [[ $dir == */dev ]] && extra=(--namespace dbs-dev)
  [[ $dir == */prod ]] && extra=(--namespace dbs --monitoring on)
  if output=$("$node" "$validator" --kubectl "$kubectl" --tools "$tools" --repo "$work" \
                --dir "$dir" --profile "$profile" "${extra[@]}" 2>&1); then
    echo "FAIL: $name: the broken manifests passed"
    failures=$((failures + 1))
  elif ! grep -qF -- "$expected" <<<"$output"; then
    echo "FAIL: $name: rejected, but without \"$expected\":"
    echo "$output"
    failures=$((failures + 1))
  else
    echo "ok: $name: $(grep -F -- "$expected" <<<"$output" | head -n 1)"
  fi
}

is=deploy/k8s/base/instance-service.yaml
ds=deploy/k8s/base/database-service.yaml
dev=deploy/k8s/overlays/dev
mutate "typo in a field name" $dev services 'unknown field "readinesProbe"' \
  sed -i 's/^          readinessProbe:/          readinesProbe:/' $is
mutate "named port in a gRPC probe" $dev services 'must be integer' \
  sed -i '0,/^              port: 50051$/s//              port: grpc/' $is
mutate "instance-service Service not headless" $dev services 'must be headless' \
  sed -i '/clusterIP: None/d' $is
mutate "NetworkPolicy open to other namespaces" $dev services 'from a podSelector only' \
  sed -i 's/^        - podSelector:$/        - namespaceSelector: {}\n          podSelector:/' $is
mutate "NetworkPolicy on the wrong port" $dev services 'ports must be exactly TCP/50051' \
  sed -i '$s/port: 50051/port: 50052/' $is
mutate "NetworkPolicy admits instance-service itself" $dev services 'does not select database-service pods' \
  perl -0pi -e 's/(podSelector:\n\s+matchLabels:\n\s+app.kubernetes.io\/name: )database-service/$1instance-service/' $is
mutate "writable root filesystem" $dev services 'readOnlyRootFilesystem must be true' \
  sed -i 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' $ds
mutate "capabilities kept" $dev services 'capabilities must drop ALL' \
  sed -i 's/drop: \["ALL"\]/drop: ["NET_RAW"]/' $is
mutate "grace shorter than preStop + drain" $dev services 'terminationGracePeriodSeconds 20 must exceed' \
  sed -i 's/terminationGracePeriodSeconds: 30/terminationGracePeriodSeconds: 20/' $is
mutate "a Secret with a value committed" $dev services 'a Secret is committed' \
  bash -c 'printf -- "---\napiVersion: v1\nkind: Secret\nmetadata: {name: leak}\nstringData: {url: x}\n" >> deploy/k8s/base/database-service.yaml'
mutate "a password inline in env" $dev services 'secret value inline' \
  sed -i 's/^          env:$/          env:\n            - {name: PGPASSWORD, value: hunter2}/' $is
mutate "database-service given the instance database" $dev services 'reaches the instance database' \
  sed -i 's|^      - GLOG_logtostderr=1$|      - GLOG_logtostderr=1\n      - INSTANCE_SERVICE_DATABASE_URL=host=instance-db-rw dbname=instance|' deploy/k8s/base/kustomization.yaml
mutate "wrong instance-service target" $dev services 'DATABASE_SERVICE_INSTANCE_SERVICE_TARGET' \
  sed -i 's/instance-service.dbs-dev.svc/instance-service.default.svc/' $dev/kustomization.yaml
mutate "service migrating at start" $dev services 'MIGRATE_ON_START must be 0' \
  sed -i 's/MIGRATE_ON_START=0/MIGRATE_ON_START=1/' deploy/k8s/base/kustomization.yaml
prod=deploy/k8s/overlays/prod
monitors=deploy/k8s/components/monitoring
mutate "metrics endpoint on loopback in the pod" $dev services 'metrics must listen on 0.0.0.0:9464' \
  sed -i 's/INSTANCE_SERVICE_METRICS_LISTEN=0.0.0.0:9464/INSTANCE_SERVICE_METRICS_LISTEN=127.0.0.1:9464/' deploy/k8s/base/kustomization.yaml
mutate "metrics port missing from the Service" $dev services 'no port metrics (9465' \
  perl -0pi -e 's/    # Scraped per pod.*?appProtocol: http\n//s' $ds
mutate "ServiceMonitor on a port the Service lacks" $prod services 'Service/instance-service has no port of that name' \
  sed -i '0,/- port: metrics/s//- port: http-metrics/' $monitors/servicemonitors.yaml
mutate "ServiceMonitor typo in a field name" $prod services 'unknown field "scrapeTimout"' \
  sed -i '0,/scrapeTimeout:/s//scrapeTimout:/' $monitors/servicemonitors.yaml
mutate "Prometheus admitted to the gRPC port" $prod services 'from a podSelector only' \
  sed -i 's/              port: 9464/              port: 50051/' $monitors/kustomization.yaml
mutate "metrics port open to every namespace" $prod services "must name Prometheus' namespace and pods" \
  perl -0pi -e 's/namespaceSelector:\n\s+matchLabels:\n\s+kubernetes.io\/metadata.name: monitoring/namespaceSelector: {}/' $monitors/kustomization.yaml
mutate "a ServiceMonitor in the CRD-free dev render" $dev services 'a ServiceMonitor without --monitoring on' \
  sed -i 's|^  - ../../base$|  - ../../base\ncomponents:\n  - ../../components/monitoring|' $dev/kustomization.yaml
mutate "unknown field in the CNPG Cluster" deploy/postgres-cnpg cnpg 'unknown field "instancez"' \
  sed -i 's/^  instances: 3$/  instances: 3\n  instancez: 1/' deploy/postgres-cnpg/cluster.yaml
mutate "job mounting a copy of the grants" deploy/postgres-cnpg cnpg 'grants.sql differs from deploy/sql/grants.sql' \
  bash -c 'sed "s/SELECT ON TABLE/ALL ON TABLE/" deploy/sql/grants.sql > deploy/sql/copy.sql &&
           sed -i "s/      - grants.sql/      - grants.sql=copy.sql/" deploy/sql/kustomization.yaml'
mutate "job keeping the legacy grants" deploy/postgres-cnpg cnpg 'KEEP_LEGACY_GRANTS is on, expected off' \
  sed -i 's/{name: KEEP_LEGACY_GRANTS, value: "off"}/{name: KEEP_LEGACY_GRANTS, value: "on"}/' deploy/postgres-cnpg/08-schema-job.yaml
mutate "job without verify step" deploy/postgres-cnpg cnpg 'steps must be migrate,grants,verify' \
  sed -i 's/- name: verify/- name: check/' deploy/postgres-cnpg/08-schema-job.yaml

rm -rf "$work"
if ((failures)); then
  echo "$failures mutation(s) not caught"
  exit 1
fi
echo "every mutation caught"

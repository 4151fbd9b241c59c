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
# Copies deploy/{k8s,postgres-cnpg,sql,authz}.
mutate() {
  local name=$1 dir=$2 profile=$3 expected=$4
  shift 4
  rm -rf "$work" && mkdir -p "$work/deploy"
  cp -r "$repo/deploy/k8s" "$repo/deploy/postgres-cnpg" "$repo/deploy/sql" "$repo/deploy/authz" \
    "$work/deploy/"
  (cd "$work" && "$@")
  local extra=() output
  [[ $dir == */dev ]] && extra=(--namespace dbs-dev)
  [[ $dir == */cert-manager ]] && extra=(--namespace dbs --cert-manager on --monitoring on)
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
  sed -i '0,/^              port: 50061$/s//              port: grpc/' $is
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
mutate "client certificates not required" $dev services 'client certificates must be required' \
  sed -i 's/INSTANCE_SERVICE_TLS_REQUIRE_CLIENT_CERT=1/INSTANCE_SERVICE_TLS_REQUIRE_CLIENT_CERT=0/' deploy/k8s/base/kustomization.yaml
mutate "probes on the TLS port" $dev services 'port must be the number 50061' \
  sed -i '0,/^              port: 50061$/s//              port: 50051/' $is
mutate "authorization policy not deploy/authz's" $dev services 'differs from deploy/authz/instance-service-policy.json' \
  sed -i 's/policy.json=instance-service-policy.json/policy.json=database-service-policy.json/' deploy/authz/kustomization.yaml
mutate "TLS key from a ConfigMap" $dev services 'INSTANCE_SERVICE_TLS_KEY_FILE=/etc/instance-service/authz/tls.key is not a file of a mounted secret' \
  sed -i 's|INSTANCE_SERVICE_TLS_KEY_FILE=/etc/instance-service/tls/tls.key|INSTANCE_SERVICE_TLS_KEY_FILE=/etc/instance-service/authz/tls.key|' deploy/k8s/base/kustomization.yaml
cm=deploy/k8s/overlays/cert-manager
mutate "database-service certificate without client auth" $cm services 'usages must include "client auth"' \
  sed -i 's/usages: \["server auth", "client auth", "digital signature"\]/usages: ["server auth", "digital signature"]/' $cm/certificates.yaml
mutate "no Certificate for instance-service's Secret" $cm services 'no Certificate writes Secret instance-service-tls' \
  sed -i 's/secretName: instance-service-tls$/secretName: instance-service-tls-2/' $cm/certificates.yaml
mutate "database-service certificate without the policy's principal" $cm services 'uris must include spiffe://dbs.internal/database-service' \
  sed -i 's|spiffe://dbs.internal/database-service|spiffe://dbs.internal/db-service|' $cm/certificates.yaml
mutate "unknown field in a Certificate" $cm services 'unknown field "dnsName"' \
  sed -i '0,/^  dnsNames:$/s//  dnsName:/' $cm/certificates.yaml
np=deploy/postgres-cnpg/network-policy.yaml
mutate "instance database open to database-service" deploy/postgres-cnpg cnpg 'admits database-service pods on 5432' \
  perl -0pi -e 's/(      ports:\n        - protocol: TCP\n          port: 5432\n    - from:)/        - podSelector:\n            matchLabels:\n              app.kubernetes.io\/name: database-service\n$1/' $np
mutate "instance database closed to the schema job" deploy/postgres-cnpg cnpg 'does not admit the schema job on 5432' \
  sed -i 's/app.kubernetes.io\/name: instance-db-schema$/app.kubernetes.io\/name: instance-db-migrate/' $np
mutate "status port open to instance-service" deploy/postgres-cnpg cnpg 'the status port 8000 is open to instance-service' \
  sed -i '0,/^          port: 5432$/s//          port: 5432\n        - protocol: TCP\n          port: 8000/' $np
mutate "instance database open to a whole namespace" deploy/postgres-cnpg cnpg 'is wider than one set of pods' \
  sed -i 's/^        - podSelector:$/        - namespaceSelector: {}\n          podSelector:/' $np
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

// validate_manifests.mjs: renders one kustomization with `kubectl kustomize` and checks
// every object it produces. Run by CTest (tests/deploy/CMakeLists.txt, label deploy):
//
//   node validate_manifests.mjs --kubectl PATH --tools DIR --repo ROOT --dir KUSTOMIZATION
//        --profile services|cnpg [--namespace NS] [--keep-legacy-grants on|off]
//        [--cert-manager on|off] [--monitoring on|off]
//
// 1. Schemas. Core kinds: the npm package kubernetes-models (its JSON-schema validators:
//    types, required fields, enums, formats), plus a strict pass over its TypeScript
//    declarations that rejects any field the Kubernetes API does not define (a typo such
//    as `readinesProbe` is otherwise silently dropped by the API server). CRDs with a
//    published model package (prometheus-operator's ServiceMonitor:
//    @kubernetes-models/prometheus-operator) get the same two passes; the others
//    (CloudNativePG Cluster, cert-manager Certificate and Issuer): a structural schema
//    of the fields used here, unknown fields rejected, required fields and enums
//    checked. An object of any other kind fails.
// 2. The properties deploy/ promises (profile `services`: deploy/k8s; `cnpg`:
//    deploy/postgres-cnpg): gRPC probes on numeric ports, securityContext, grace vs
//    drain, the headless Service, the PodDisruptionBudgets, the NetworkPolicy, no
//    secret values, no instance-database setting in database-service, the metrics
//    port (listening on the pod's address, named in the Service), and the schema
//    job mounting deploy/sql's files byte for byte; mTLS on both services (files from
//    mounted Secrets, client certificates required, the authorization policy mounted
//    from deploy/authz byte for byte, probes on the plaintext health port); with
//    --cert-manager on, a Certificate from an Issuer in the output for every TLS
//    Secret, with the usages, names and URI SANs the services and the policy rely on;
//    and the instance database's NetworkPolicy admitting exactly its clients.
//    `--monitoring on` (an overlay with deploy/k8s/components/monitoring): a
//    ServiceMonitor per service on its Service's metrics port, and Prometheus admitted
//    to instance-service's metrics port only; off (the default): no ServiceMonitor, so
//    the render applies without the CRDs.
// Exit 0 when everything holds; else 1, listing every problem.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
}
for (const required of ["kubectl", "tools", "repo", "dir", "profile"]) {
  if (!args[required]) {
    console.error(`usage: missing --${required}`);
    process.exit(2);
  }
}
const modules = path.join(args.tools, "node_modules");
const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);

// ---------------------------------------------------------------- render
const rendered = spawnSync(args.kubectl, ["kustomize", path.join(args.repo, args.dir)], {
  encoding: "utf8",
});
if (rendered.status !== 0) {
  console.error(`kubectl kustomize ${args.dir} failed:\n${rendered.stderr}`);
  process.exit(1);
}
const { parseAllDocuments } = await import(pathToFileURL(path.join(modules, "yaml/dist/index.js")));
const objects = parseAllDocuments(rendered.stdout)
  .map((doc) => {
    if (doc.errors.length) problem(args.dir, `YAML: ${doc.errors.join("; ")}`);
    return doc.toJS();
  })
  .filter((o) => o !== null);
console.log(`${args.dir}: ${objects.length} objects`);
const id = (o) => `${o.kind}/${o.metadata?.name}`;

// ---------------------------------------------------------------- 1. schemas
// kubernetes-models lays its classes out as <group>/<version>/<Kind>.js, core as v1/;
// the CRD model packages the same way under their own package.
const crdModelPackages = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };
function modelFile(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const root = path.join(modules, crdModelPackages[group] ?? "kubernetes-models");
  return path.join(root, ...(group ? [group, version] : [version]), `${kind}.js`);
}

// The strict pass: a tiny reader for the generated .d.ts interfaces.
const interfaces = new Map();
function readInterface(dtsFile) {
  if (interfaces.has(dtsFile)) return interfaces.get(dtsFile);
  let result = null;
  if (existsSync(dtsFile)) {
    const text = readFileSync(dtsFile, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
    const imports = new Map();
    for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) imports.set(m[1], m[2]);
    const body = text.match(/export interface \w+(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/);
    if (body) {
      const props = new Map();
      // Top-level members are indented by exactly four spaces.
      const lines = body[1].split("\n");
      for (let i = 0; i < lines.length; i++) {
        const m = lines[i].match(/^ {4}"([^"]+)"\??: (.*);?$/);
        if (!m) continue;
        let type = m[2];
        if (type === "{") {  // a map: { [key: string]: T; }
          const inner = lines[i + 1].match(/\[key: string\]: (\w+)/);
          type = `map:${inner ? inner[1] : "unknown"}`;
        }
        props.set(m[1], type.replace(/;$/, ""));
      }
      result = { props, imports, dir: path.dirname(dtsFile) };
    }
  }
  interfaces.set(dtsFile, result);
  return result;
}
function resolveImport(fromDir, specifier) {
  const base = specifier.startsWith(".") ? path.join(fromDir, specifier) : path.join(modules, specifier);
  return base.replace(/\.js$/, "") + ".d.ts";
}
function strictWalk(value, dtsFile, where) {
  const iface = readInterface(dtsFile);
  if (!iface || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (!iface.props.has(key)) {
      problem(where, `unknown field "${key}" (not in the Kubernetes API schema)`);
      continue;
    }
    const type = iface.props.get(key);
    const walkType = (name, v, w) => {
      if (iface.imports.has(name)) strictWalk(v, resolveImport(iface.dir, iface.imports.get(name)), w);
    };
    let m;
    if ((m = type.match(/^Array<(\w+)>$/))) {
      (Array.isArray(child) ? child : []).forEach((e, i) => walkType(m[1], e, `${where}.${key}[${i}]`));
    } else if ((m = type.match(/^map:(\w+)$/))) {
      for (const [k, v] of Object.entries(child ?? {})) walkType(m[1], v, `${where}.${key}.${k}`);
    } else if (/^\w+$/.test(type)) {
      walkType(type, child, `${where}.${key}`);
    }
  }
}

// CRDs: a structural schema of the fields used, unknown ones rejected.
// Types: "string", "integer", "boolean", {enum: [...]}, {object: {...}}, {map: T},
// {array: T}, {core: "v1/ResourceRequirements"} (a core type, validated as above).
const S = "string", I = "integer", B = "boolean";
const cnpgCluster = {
  object: {
    instances: I, imageName: S, primaryUpdateStrategy: { enum: ["unsupervised", "supervised"] },
    enableSuperuserAccess: B, description: S,
    storage: { object: { size: S, storageClass: S, resizeInUseVolumes: B } },
    walStorage: { object: { size: S, storageClass: S } },
    resources: { core: "v1/ResourceRequirements" },
    affinity: { object: { enablePodAntiAffinity: B, topologyKey: S,
                          podAntiAffinityType: { enum: ["preferred", "required"] },
                          nodeSelector: { map: S } } },
    postgresql: { object: { parameters: { map: S }, pg_hba: { array: S } } },
    bootstrap: { object: { initdb: { object: {
      database: S, owner: S, secret: { object: { name: S } }, encoding: S,
      localeCollate: S, localeCType: S, dataChecksums: B } } } },
    managed: { object: { roles: { array: { object: {
      name: S, ensure: { enum: ["present", "absent"] }, comment: S, login: B, superuser: B,
      createdb: B, createrole: B, inherit: B, replication: B, bypassrls: B,
      connectionLimit: I, validUntil: S, inRoles: { array: S }, disablePassword: B,
      passwordSecret: { object: { name: S } } } } } } },
  },
};
// cert-manager.io/v1, the fields used here (its CRDs are not in kubernetes-models).
const certUsages = ["signing", "digital signature", "content commitment", "key encipherment",
  "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only",
  "any", "server auth", "client auth", "code signing", "email protection", "s/mime",
  "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
  "microsoft sgc", "netscape sgc"];
const certificate = {
  object: {
    secretName: S, commonName: S, isCA: B, duration: S, renewBefore: S,
    dnsNames: { array: S }, uris: { array: S }, ipAddresses: { array: S },
    usages: { array: { enum: certUsages } },
    privateKey: { object: { algorithm: { enum: ["RSA", "ECDSA", "Ed25519"] }, size: I,
                            rotationPolicy: { enum: ["Never", "Always"] },
                            encoding: { enum: ["PKCS1", "PKCS8"] } } },
    issuerRef: { object: { name: S, kind: { enum: ["Issuer", "ClusterIssuer"] }, group: S } },
  },
};
const issuer = { object: { selfSigned: { object: {} }, ca: { object: { secretName: S } } } };
const crdSchemas = {
  "cert-manager.io/v1/Certificate": {
    object: { apiVersion: S, kind: S, metadata: { core: "apimachinery/ObjectMeta" }, spec: certificate },
    required: { spec: ["secretName", "issuerRef"] },
  },
  "cert-manager.io/v1/Issuer": {
    object: { apiVersion: S, kind: S, metadata: { core: "apimachinery/ObjectMeta" }, spec: issuer },
  },
  "postgresql.cnpg.io/v1/Cluster": {
    object: { apiVersion: S, kind: S, metadata: { core: "apimachinery/ObjectMeta" }, spec: cnpgCluster },
    required: { spec: ["instances", "storage", "bootstrap"] },
  },
};
function structural(value, schema, where) {
  if (schema === S || schema === I || schema === B) {
    const ok = schema === S ? typeof value === "string"
      : schema === I ? Number.isInteger(value) : typeof value === "boolean";
    if (!ok) problem(where, `must be ${schema}, got ${JSON.stringify(value)}`);
  } else if (schema.enum) {
    if (!schema.enum.includes(value)) problem(where, `must be one of ${schema.enum.join(", ")}`);
  } else if (schema.map) {
    for (const [k, v] of Object.entries(value ?? {})) structural(v, schema.map, `${where}.${k}`);
  } else if (schema.array) {
    if (!Array.isArray(value)) return problem(where, "must be a list");
    value.forEach((v, i) => structural(v, schema.array, `${where}[${i}]`));
  } else if (schema.core) {
    const dts = schema.core === "apimachinery/ObjectMeta"
      ? path.join(modules, "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta.d.ts")
      : path.join(modules, "kubernetes-models", `${schema.core}.d.ts`);
    strictWalk(value, dts, where);
  } else if (schema.object) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return problem(where, "must be an object");
    }
    for (const [k, v] of Object.entries(value)) {
      if (!(k in schema.object)) problem(where, `unknown field "${k}" (not in the structural schema)`);
      else structural(v, schema.object[k], `${where}.${k}`);
    }
  }
}

for (const o of objects) {
  const key = `${o.apiVersion}/${o.kind}`;
  if (crdSchemas[key]) {
    structural(o, crdSchemas[key], id(o));
    for (const field of crdSchemas[key].required?.spec ?? []) {
      if (o.spec?.[field] === undefined) problem(id(o), `spec.${field} is required`);
    }
    continue;
  }
  const file = modelFile(o.apiVersion, o.kind);
  if (!existsSync(file)) {
    problem(id(o), `no schema for ${key}: neither kubernetes-models nor a CRD schema here`);
    continue;
  }
  const Model = (await import(pathToFileURL(file)))[o.kind];
  try {
    new Model(o).validate();
  } catch (e) {
    problem(id(o), `schema: ${e.message}`);
  }
  strictWalk(o, file.replace(/\.js$/, ".d.ts"), id(o));
}

// ---------------------------------------------------------------- 2. properties
const byKind = (kind) => objects.filter((o) => o.kind === kind);
const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) &&
  Object.keys(selector ?? {}).length > 0;
const podSpecs = () => [
  ...byKind("Deployment").map((d) => [d, d.spec.template.spec]),
  ...byKind("Job").map((j) => [j, j.spec.template.spec]),
];
// Settings a container sees from env and envFrom ConfigMaps (values from Secrets are
// references, shown as "<secret name/key>").
function settings(container) {
  const out = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(out, find("ConfigMap", from.configMapRef.name)?.data ?? {});
    if (from.secretRef) problem(container.name, "envFrom a whole Secret: name the keys instead");
  }
  for (const e of container.env ?? []) {
    out[e.name] = e.valueFrom?.secretKeyRef
      ? `<secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}>`
      : e.value;
  }
  return out;
}

// The volume a container reads `file` from: {kind: "secret"|"configMap", name, key,
// subPath}, or null when no mount holds it.
function mountedFile(spec, container, file) {
  for (const m of container.volumeMounts ?? []) {
    if (!file || !file.startsWith(`${m.mountPath}/`)) continue;
    const rest = file.slice(m.mountPath.length + 1);
    const volume = (spec.volumes ?? []).find((v) => v.name === m.name);
    const source = volume?.secret ? ["secret", volume.secret.secretName, volume.secret.items]
      : volume?.configMap ? ["configMap", volume.configMap.name, volume.configMap.items] : null;
    if (!source) return null;
    const item = (source[2] ?? []).find((i) => i.path === rest);
    if (source[2] && !item) return null;
    return { kind: source[0], name: source[1], key: item ? item.key : rest, subPath: Boolean(m.subPath) };
  }
  return null;
}

// No secret values anywhere: no Secret objects, no credentials in literals.
for (const o of byKind("Secret")) problem(id(o), "a Secret is committed; reference it instead");
const credential = /(postgres(ql)?:\/\/[^/\s:@]+:[^@\s]+@)|(password\s*=)/i;
for (const cm of byKind("ConfigMap")) {
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    if (/PASSWORD$|SECRET|TOKEN/i.test(k) || (credential.test(v) && !k.endsWith(".sql"))) {
      problem(`${id(cm)}.${k}`, "looks like a secret value in a ConfigMap");
    }
  }
}
for (const [owner, spec] of podSpecs()) {
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) {
      if (e.value !== undefined && (/PASSWORD$|SECRET|TOKEN/i.test(e.name) || credential.test(e.value))) {
        problem(`${id(owner)} ${c.name} env ${e.name}`, "secret value inline; use secretKeyRef");
      }
    }
  }
}

// Every pod: non-root, no privilege escalation, read-only root, no capabilities.
for (const [owner, spec] of podSpecs()) {
  const where = id(owner);
  if (spec.securityContext?.runAsNonRoot !== true) problem(where, "pod runAsNonRoot must be true");
  if (!(spec.securityContext?.runAsUser > 0)) problem(where, "pod runAsUser must be a non-zero uid");
  if (spec.securityContext?.seccompProfile?.type !== "RuntimeDefault") problem(where, "seccompProfile must be RuntimeDefault");
  if (spec.automountServiceAccountToken !== false) problem(where, "automountServiceAccountToken must be false");
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) problem(`${where} ${c.name}`, "allowPrivilegeEscalation must be false");
    if (sc.readOnlyRootFilesystem !== true) problem(`${where} ${c.name}`, "readOnlyRootFilesystem must be true");
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problem(`${where} ${c.name}`, "capabilities must drop ALL");
    if (sc.privileged) problem(`${where} ${c.name}`, "privileged");
    if (!c.resources?.requests?.memory || !c.resources?.limits?.memory) {
      problem(`${where} ${c.name}`, "memory request and limit required");
    }
  }
}

const tlsSecrets = {};  // Secret name -> the service whose TLS files it holds (services)
if (args.profile === "services") {
  const ns = args.namespace;
  if (ns) {
    for (const o of objects.filter((o) => o.kind !== "Namespace")) {
      if (o.metadata.namespace !== ns) problem(id(o), `namespace ${o.metadata.namespace}, expected ${ns}`);
    }
    if (!find("Namespace", ns)) problem(args.dir, `no Namespace ${ns}`);
  }
  const services = {
    "instance-service": { port: 50051, readiness: "instance.v1.DbServerService", drain: "INSTANCE_SERVICE_DRAIN_SECONDS", prefix: "INSTANCE_SERVICE_",
                          metrics: 9464, metricsListen: "INSTANCE_SERVICE_METRICS_LISTEN" },
    "database-service": { port: 50052, readiness: "database.v1.DatabaseService", drain: "DATABASE_SERVICE_DRAIN_SECONDS", prefix: "DATABASE_SERVICE_",
                          metrics: 9465, metricsListen: "DATABASE_SERVICE_METRICS_LISTEN" },
  };
  const monitoring = (args.monitoring ?? "off") === "on";
  const pods = {};
  for (const [name, want] of Object.entries(services)) {
    const d = find("Deployment", name);
    if (!d) { problem(args.dir, `no Deployment ${name}`); continue; }
    const spec = d.spec.template.spec;
    const c = spec.containers[0];
    const where = `Deployment/${name}`;
    pods[name] = d.spec.template.metadata.labels;
    if (!(d.spec.replicas >= 1)) problem(where, "replicas must be set");
    if (!matches(d.spec.selector.matchLabels, pods[name])) problem(where, "selector does not match its pods");
    if (ns && !/^[\w.-]+\/[\w./-]+:[\w.-]+$|@sha256:/.test(c.image)) problem(where, `image ${c.image} is not pinned to a registry and tag`);
    const ports = (c.ports ?? []).map((p) => p.containerPort);
    if (!ports.includes(want.port)) problem(where, `containerPort ${want.port} missing`);
    // Probes: native gRPC, numeric port (a named port is rejected for grpc probes). The
    // kubelet speaks no TLS, so with TLS on they use the plaintext health listener.
    const env = settings(c);
    const healthListen = env[`${want.prefix}HEALTH_LISTEN`];
    const probePort = healthListen ? Number(healthListen.split(":").pop()) : want.port;
    if (healthListen && !ports.includes(probePort)) problem(where, `containerPort ${probePort} (${want.prefix}HEALTH_LISTEN) missing`);
    for (const [probe, service] of [["readinessProbe", want.readiness], ["livenessProbe", ""], ["startupProbe", ""]]) {
      const p = c[probe];
      if (!p?.grpc) { problem(where, `${probe} must be a gRPC probe`); continue; }
      if (!Number.isInteger(p.grpc.port) || p.grpc.port !== probePort) problem(where, `${probe} port must be the number ${probePort}`);
      if ((p.grpc.service ?? "") !== service) problem(where, `${probe} service must be "${service}", is "${p.grpc.service}"`);
    }
    // mTLS: certificate, key and client CA from a mounted Secret, client certificates
    // required, and the authorization policy from deploy/authz, mounted so that edits
    // reach the running pod.
    const files = [[`${want.prefix}TLS_CERT_FILE`, "secret"], [`${want.prefix}TLS_KEY_FILE`, "secret"],
                   [`${want.prefix}TLS_CLIENT_CA_FILE`, "secret"], [`${want.prefix}AUTHZ_POLICY_FILE`, "configMap"]];
    if (name === "database-service") {
      for (const f of ["CA", "CERT", "KEY"]) files.push([`DATABASE_SERVICE_INSTANCE_SERVICE_TLS_${f}_FILE`, "secret"]);
    }
    for (const [setting, kind] of files) {
      const source = mountedFile(spec, c, env[setting]);
      if (!env[setting]) { problem(where, `${setting} must be set (mTLS)`); continue; }
      if (!source || source.kind !== kind) { problem(where, `${setting}=${env[setting]} is not a file of a mounted ${kind}`); continue; }
      if (source.subPath) problem(where, `${setting}: a subPath mount never sees an updated ${kind}`);
      if (kind === "secret") tlsSecrets[source.name] = name;
      if (kind === "configMap") {
        const cm = find("ConfigMap", source.name);
        const file = path.join(args.repo, "deploy/authz", `${name}-policy.json`);
        if (!cm) problem(where, `ConfigMap ${source.name} (the authorization policy) is not in the output`);
        else if (cm.data?.[source.key] !== readFileSync(file, "utf8")) problem(id(cm), `${source.key} differs from deploy/authz/${name}-policy.json`);
      }
    }
    if (env[`${want.prefix}TLS_REQUIRE_CLIENT_CERT`] === "0") problem(where, `${want.prefix}TLS_REQUIRE_CLIENT_CERT=0: client certificates must be required`);
    // Grace: preStop sleep + the server's drain, with room to spare.
    const drain = Number(env[want.drain] ?? 20);
    const cmd = c.lifecycle?.preStop?.exec?.command ?? [];
    const preStop = cmd.length === 2 && /sleep$/.test(cmd[0]) ? Number(cmd[1]) : (c.lifecycle?.preStop?.sleep?.seconds ?? 0);
    const grace = spec.terminationGracePeriodSeconds ?? 30;
    if (!(grace > preStop + drain)) problem(where, `terminationGracePeriodSeconds ${grace} must exceed preStop ${preStop} + drain ${drain}`);
    if (!/^0\.0\.0\.0:/.test(env[name === "instance-service" ? "INSTANCE_SERVICE_LISTEN" : "DATABASE_SERVICE_LISTEN"] ?? "")) {
      problem(where, "must listen on 0.0.0.0 inside the pod");
    }
    // Metrics: on the pod's address (the binary's default is loopback only), on the
    // container port named `metrics`, which the Service names too.
    if (env[want.metricsListen] !== `0.0.0.0:${want.metrics}`) {
      problem(where, `metrics must listen on 0.0.0.0:${want.metrics} inside the pod (${want.metricsListen} is ${env[want.metricsListen]})`);
    }
    const metricsPort = (c.ports ?? []).find((p) => p.name === "metrics");
    if (metricsPort?.containerPort !== want.metrics) problem(where, `containerPort ${want.metrics} named metrics missing`);
    const service = byKind("Service").find((s) => matches(s.spec.selector, pods[name]));
    if (!service) problem(where, "no Service selects its pods");
    else if (!service.spec.ports.some((p) => p.name === "metrics" && p.port === want.metrics && p.targetPort === "metrics")) {
      problem(id(service), `no port metrics (${want.metrics} -> targetPort metrics) for Prometheus`);
    }
    // ServiceMonitor: only with the monitoring component; it scrapes the Service's metrics port.
    const monitors = byKind("ServiceMonitor").filter((m) => service && matches(m.spec.selector?.matchLabels, service.metadata.labels));
    if (!monitoring && monitors.length) problem(where, "a ServiceMonitor without --monitoring on: this render must apply on clusters without the prometheus-operator CRDs");
    if (monitoring && monitors.length !== 1) problem(where, `expected one ServiceMonitor selecting Service/${service?.metadata.name}, found ${monitors.length}`);
    for (const m of monitors) {
      for (const e of m.spec.endpoints ?? []) {
        if (!service.spec.ports.some((p) => p.name === e.port)) problem(id(m), `endpoint port ${e.port}: Service/${service.metadata.name} has no port of that name`);
        if ((e.path ?? "/metrics") !== "/metrics") problem(id(m), `endpoint path ${e.path}: the services serve /metrics`);
      }
      if (!(m.spec.endpoints ?? []).length) problem(id(m), "no endpoints");
    }
    // PDB: selects these pods and still lets a drain evict one.
    const pdb = byKind("PodDisruptionBudget").find((p) => matches(p.spec.selector.matchLabels, pods[name]));
    if (!pdb) problem(where, "no PodDisruptionBudget selects its pods");
    else if (pdb.spec.minAvailable !== undefined && !(pdb.spec.minAvailable < d.spec.replicas)) {
      problem(id(pdb), `minAvailable ${pdb.spec.minAvailable} blocks every eviction at ${d.spec.replicas} replicas`);
    }
  }
  // instance-service: its database URL from a Secret; migrations left to the job.
  const is = find("Deployment", "instance-service");
  if (is) {
    const env = settings(is.spec.template.spec.containers[0]);
    if (!/^<secret /.test(env.INSTANCE_SERVICE_DATABASE_URL ?? "")) problem("instance-service", "INSTANCE_SERVICE_DATABASE_URL must come from a Secret");
    if (env.INSTANCE_SERVICE_MIGRATE_ON_START !== "0") problem("instance-service", "INSTANCE_SERVICE_MIGRATE_ON_START must be 0 (the schema job migrates)");
  }
  // database-service: no setting for the instance database at all.
  const ds = find("Deployment", "database-service");
  if (ds) {
    const c = ds.spec.template.spec.containers[0];
    for (const [k, v] of Object.entries(settings(c))) {
      if (/^INSTANCE_SERVICE_DATABASE|DATABASE_URL/.test(k) || /instance-db|instance-service-database|dbname=instance\b|\/instance(\?|$)/.test(String(v))) {
        problem("database-service", `setting ${k}=${v} reaches the instance database`);
      }
    }
    for (const v of ds.spec.template.spec.volumes ?? []) {
      if (/instance-db|instance-service/.test(v.secret?.secretName ?? v.configMap?.name ?? "")) {
        problem("database-service", `volume ${v.name} mounts instance-side ${v.secret ? "Secret" : "ConfigMap"}`);
      }
    }
    const target = settings(c).DATABASE_SERVICE_INSTANCE_SERVICE_TARGET ?? "";
    const want = ns ? `dns:///instance-service.${ns}.svc.cluster.local:50051` : "dns:///instance-service:50051";
    if (target !== want) problem("database-service", `DATABASE_SERVICE_INSTANCE_SERVICE_TARGET ${target}, expected ${want}`);
  }
  // The headless Service behind that target.
  const svc = find("Service", "instance-service");
  if (!svc) problem(args.dir, "no Service instance-service");
  else {
    if (svc.spec.clusterIP !== "None") problem(id(svc), "must be headless (clusterIP: None) for client-side round_robin");
    if (!svc.spec.ports.some((p) => p.port === 50051)) problem(id(svc), "no port 50051");
    if (!matches(svc.spec.selector, pods["instance-service"])) problem(id(svc), "selector does not match instance-service pods");
  }
  // NetworkPolicy: only database-service pods reach instance-service's gRPC port;
  // with monitoring, Prometheus (another namespace, named) reaches the metrics port.
  const policies = byKind("NetworkPolicy").filter((p) => matches(p.spec.podSelector.matchLabels, pods["instance-service"]));
  if (policies.length !== 1) problem(args.dir, `expected one NetworkPolicy for instance-service pods, found ${policies.length}`);
  const metricsPort = services["instance-service"].metrics;
  for (const p of policies) {
    const where = id(p);
    if (!(p.spec.policyTypes ?? []).includes("Ingress")) problem(where, "policyTypes must include Ingress");
    const rules = p.spec.ingress ?? [];
    // A rule that opens only the metrics port is Prometheus'; every other is the gRPC rule.
    const isMetricsRule = (r) => (r.ports ?? []).length > 0 && r.ports.every((x) => x.port === metricsPort || x.port === "metrics");
    const metricsRules = rules.filter(isMetricsRule);
    const grpcRules = rules.filter((r) => !isMetricsRule(r));
    if (grpcRules.length !== 1) problem(where, `expected exactly one ingress rule for the gRPC port, found ${grpcRules.length}`);
    if (monitoring && metricsRules.length !== 1) problem(where, `expected one ingress rule admitting Prometheus to TCP/${metricsPort}, found ${metricsRules.length}`);
    for (const r of metricsRules) {
      for (const from of r.from ?? [{}]) {
        if (!Object.keys(from.namespaceSelector?.matchLabels ?? {}).length || !Object.keys(from.podSelector?.matchLabels ?? {}).length || from.ipBlock) {
          problem(where, "the metrics rule must name Prometheus' namespace and pods (namespaceSelector and podSelector with labels)");
        }
      }
      if (!(r.from ?? []).length) problem(where, "the metrics rule admits every source");
    }
    for (const r of grpcRules) {
      const from = r.from ?? [];
      if (from.length !== 1 || from[0].namespaceSelector || from[0].ipBlock || !from[0].podSelector) {
        problem(where, "ingress must come from a podSelector only (same namespace)");
      } else {
        if (!matches(from[0].podSelector.matchLabels, pods["database-service"])) problem(where, "podSelector does not select database-service pods");
        if (matches(from[0].podSelector.matchLabels, pods["instance-service"])) problem(where, "podSelector also selects instance-service pods");
      }
      const ports = (r.ports ?? []).map((x) => `${x.protocol ?? "TCP"}/${x.port}`);
      if (ports.join() !== "TCP/50051") problem(where, `ports must be exactly TCP/50051, are ${ports.join() || "all"}`);
    }
  }
}

// cert-manager: every TLS Secret the services mount is issued here, as the services
// and the authorization policy need it.
if (args["cert-manager"] === "on") {
  const certificates = byKind("Certificate");
  const ns = args.namespace ?? "default";
  for (const issuer of byKind("Issuer")) {
    const kinds = Object.keys(issuer.spec ?? {});
    if (kinds.length !== 1) problem(id(issuer), `must be exactly one of selfSigned, ca; is ${kinds.join(", ") || "empty"}`);
    if (issuer.spec?.ca && !certificates.some((c) => c.spec.secretName === issuer.spec.ca.secretName && c.spec.isCA)) {
      problem(id(issuer), `no CA Certificate (isCA: true) writes its Secret ${issuer.spec.ca.secretName}`);
    }
  }
  for (const cert of certificates) {
    const ref = cert.spec.issuerRef ?? {};
    if ((ref.kind ?? "Issuer") === "Issuer" && !find("Issuer", ref.name)) problem(id(cert), `issuerRef Issuer/${ref.name} is not in the output`);
  }
  // The principal instance-service's policy grants every DbServerService RPC.
  const policy = JSON.parse(readFileSync(path.join(args.repo, "deploy/authz/instance-service-policy.json"), "utf8"));
  const fullAccess = (policy.allow_rules ?? [])
    .filter((r) => (r.request?.paths ?? []).includes("/instance.v1.DbServerService/*"))
    .flatMap((r) => r.source?.principals ?? []);
  const needs = {
    "instance-service": { usages: ["server auth"], dns: `instance-service.${ns}.svc.cluster.local` },
    "database-service": { usages: ["server auth", "client auth"], dns: `database-service.${ns}.svc.cluster.local`, uris: fullAccess },
  };
  for (const [secret, service] of Object.entries(tlsSecrets)) {
    const cert = certificates.find((c) => c.spec.secretName === secret);
    if (!cert) { problem(args.dir, `no Certificate writes Secret ${secret} (${service}'s TLS files)`); continue; }
    const want = needs[service];
    for (const usage of want.usages) {
      if (!(cert.spec.usages ?? []).includes(usage)) problem(id(cert), `usages must include "${usage}"`);
    }
    if (!(cert.spec.dnsNames ?? []).includes(want.dns)) problem(id(cert), `dnsNames must include ${want.dns}, the name clients check`);
    if (want.uris && !(cert.spec.uris ?? []).some((u) => want.uris.includes(u))) {
      problem(id(cert), `uris must include ${want.uris.join(" or ")}, the principal instance-service's policy grants`);
    }
  }
}

if (args.profile === "cnpg") {
  const cluster = byKind("Cluster")[0];
  if (!cluster) problem(args.dir, "no CloudNativePG Cluster");
  else {
    const where = id(cluster);
    if (cluster.spec.bootstrap?.initdb?.database !== "instance") problem(where, "bootstrap.initdb.database must be instance");
    if (cluster.spec.enableSuperuserAccess !== false) problem(where, "enableSuperuserAccess must be false");
    const roles = cluster.spec.managed?.roles ?? [];
    const svc = roles.find((r) => r.name === "instance_service");
    if (!svc || svc.login !== true || svc.superuser || svc.createdb || svc.createrole || !svc.passwordSecret?.name) {
      problem(where, "managed role instance_service must log in with a Secret password and no attributes beyond");
    }
    const legacy = roles.find((r) => r.name === "database_service");
    if (legacy && legacy.ensure !== "absent" && legacy.login !== false) problem(where, "database_service must not be a login role");
    if (!(cluster.spec.instances >= 1)) problem(where, "instances must be >= 1");
  }
  const job = find("Job", "instance-db-schema");
  if (!job) problem(args.dir, "no Job instance-db-schema");
  else {
    const spec = job.spec.template.spec;
    const steps = [...(spec.initContainers ?? []), ...spec.containers];
    const names = steps.map((c) => c.name).join(",");
    if (names !== "migrate,grants,verify") problem(id(job), `steps must be migrate,grants,verify in order, are ${names}`);
    const [migrate, grants, verify] = steps;
    if (migrate && (!/instance-service/.test(migrate.image) || (migrate.args ?? []).join(" ") !== "migrate")) {
      problem(id(job), "the first step must run `instance-service migrate`");
    }
    const keep = args["keep-legacy-grants"] ?? "off";
    for (const [c, file, extra] of [[grants, "grants.sql", "--single-transaction"], [verify, "verify-grants.sql", null]]) {
      if (!c) continue;
      const cmd = (c.command ?? []).concat(c.args ?? []);
      const mountDir = (c.volumeMounts ?? []).find((m) => {
        const vol = (spec.volumes ?? []).find((v) => v.name === m.name);
        return vol?.configMap;
      });
      if (!cmd.includes(`--file=${mountDir?.mountPath}/${file}`)) problem(`${id(job)} ${c.name}`, `must run --file=<mounted ConfigMap>/${file}`);
      if (!cmd.includes("--set=ON_ERROR_STOP=1")) problem(`${id(job)} ${c.name}`, "psql must stop on the first error");
      if (extra && !cmd.includes(extra)) problem(`${id(job)} ${c.name}`, `missing ${extra}`);
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
      if (env.KEEP_LEGACY_GRANTS !== keep) problem(`${id(job)} ${c.name}`, `KEEP_LEGACY_GRANTS is ${env.KEEP_LEGACY_GRANTS}, expected ${keep}`);
    }
    // The mounted SQL is deploy/sql's files, byte for byte: one source of truth.
    const volume = (spec.volumes ?? []).find((v) => v.configMap);
    const cm = volume && find("ConfigMap", volume.configMap.name);
    if (!cm) problem(id(job), "the grants ConfigMap it mounts is not in the output");
    for (const file of ["grants.sql", "verify-grants.sql"]) {
      const source = readFileSync(path.join(args.repo, "deploy/sql", file), "utf8");
      if (cm && cm.data?.[file] !== source) problem(id(cm ?? job), `${file} differs from deploy/sql/${file}`);
    }
  }
}

// The instance database's pods: 5432 from instance-service, the schema job, the
// cluster's own pods and the CloudNativePG operator; 8000 from the operator only;
// database-service only while the legacy grants are kept (migration steps 1-4).
if (args.profile === "cnpg") {
  const cluster = byKind("Cluster")[0];
  const name = cluster?.metadata?.name;
  const policies = byKind("NetworkPolicy").filter((p) => p.spec.podSelector?.matchLabels?.["cnpg.io/cluster"] === name);
  if (policies.length !== 1) problem(args.dir, `expected one NetworkPolicy for the ${name} pods, found ${policies.length}`);
  const job = find("Job", "instance-db-schema");
  const groups = {
    "instance-service": { "app.kubernetes.io/name": "instance-service" },
    "the schema job": job?.spec.template.metadata.labels ?? {},
    "its own pods": { "cnpg.io/cluster": name },
    "database-service": { "app.kubernetes.io/name": "database-service" },
  };
  const isOperator = (peer) => peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "cnpg-system" &&
    peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "cloudnative-pg";
  const reached = { 5432: new Set(), 8000: new Set() };
  for (const p of policies) {
    const where = id(p);
    if (!(p.spec.policyTypes ?? []).includes("Ingress")) problem(where, "policyTypes must include Ingress");
    for (const rule of p.spec.ingress ?? []) {
      const ports = (rule.ports ?? []).map((x) => `${x.protocol ?? "TCP"}/${x.port}`);
      if (!ports.length) problem(where, "every rule must name its ports");
      for (const port of ports) if (port !== "TCP/5432" && port !== "TCP/8000") problem(where, `port ${port} is not PostgreSQL or the status port`);
      if (!(rule.from ?? []).length) problem(where, "a rule without `from` admits every pod");
      for (const peer of rule.from ?? []) {
        let who;
        if (isOperator(peer)) who = "the operator";
        else if (peer.ipBlock || peer.namespaceSelector || !Object.keys(peer.podSelector?.matchLabels ?? {}).length) {
          problem(where, `peer ${JSON.stringify(peer)} is wider than one set of pods in this namespace`);
          continue;
        } else {
          who = Object.keys(groups).find((g) => matches(peer.podSelector.matchLabels, groups[g]));
          if (!who) { problem(where, `admits pods ${JSON.stringify(peer.podSelector.matchLabels)}, not a client of the database`); continue; }
        }
        for (const port of ports) {
          if (port === "TCP/8000" && who !== "the operator") problem(where, `the status port 8000 is open to ${who}`);
          reached[port.split("/")[1]]?.add(who);
        }
      }
    }
  }
  for (const who of ["instance-service", "the schema job", "its own pods", "the operator"]) {
    if (!reached[5432].has(who)) problem(args.dir, `the ${name} NetworkPolicy does not admit ${who} on 5432`);
  }
  if (!reached[8000].has("the operator")) problem(args.dir, `the ${name} NetworkPolicy does not admit the operator on 8000`);
  const legacy = (args["keep-legacy-grants"] ?? "off") === "on";
  if (!legacy && reached[5432].has("database-service")) problem(args.dir, `the ${name} NetworkPolicy admits database-service pods on 5432`);
  if (legacy && !reached[5432].has("database-service")) problem(args.dir, `with the legacy grants kept, the old database-service must reach 5432`);
}

if (problems.length) {
  console.log(problems.map((p) => `FAIL: ${p}`).join("\n"));
  console.log(`${problems.length} problem(s) in ${args.dir}`);
  process.exit(1);
}
console.log(`ok: ${args.dir}: every object validated, every property holds`);

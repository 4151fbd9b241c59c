// prometheus_stack_test.mjs: both services under a REAL Prometheus (Debian's 2.42).
//
// Starts instance-service (on a scratch database of the `postgres` CTest fixture),
// a pool server (deploy/local/pg-cluster), database-service, and a Prometheus that
// scrapes both every second with deploy/observability's alert rules loaded. Then:
//   1. drives the local stack's flow through database-service's API (provision a
//      pool, three tenants, a name collision, a pool outage and its recovery) and
//      asks Prometheus's HTTP API for the counters and gauges, watching them move;
//   2. runs every PromQL expression of every dashboard panel through that
//      Prometheus: each must parse, and must return series when every metric family
//      it reads is exported by this build (FAMILIES below);
//   3. checks that Prometheus loaded the alert rules without errors.
//
//   node prometheus_stack_test.mjs --instance-service BIN --database-service BIN
//        --pg-cluster PATH --buf PATH --prometheus PATH --observability DIR --work DIR
//   (DBS_TEST_PG_STATE_DIR names the fixture's cluster, as for the C++ tests)
//
// Exit 0 when everything holds, 1 listing each failure. Nothing sleeps a fixed
// time: every wait is for a condition, under a deadline.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, openSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { randomUUID } from "node:crypto";

// Every metric family the dashboards and alerts may read, and who exports it.
// `live: true`: this build exports it, so every panel that reads only live families
// must return series, and the flow below checks it moves. When a component gets
// instrumented, flip its families to `live: true` (one word per family): the
// panels that read them then must return series, and the flow checks switch on.
const FAMILIES = {
  // serving core, both services (issue 9/12, the lead's serving/ work)
  grpc_server_started_total: { by: "serving core (serving/)", live: false },
  grpc_server_handled_total: { by: "serving core (serving/)", live: false },
  grpc_server_handling_seconds: { by: "serving core (serving/)", live: false },
  dbs_serving_queue_depth: { by: "serving core (serving/)", live: false },
  dbs_serving_in_flight: { by: "serving core (serving/)", live: false },
  dbs_serving_shed_total: { by: "serving core (serving/)", live: false },
  // libpq pool of instance-service (pq/)
  dbs_pq_connections: { by: "libpq pool (pq/)", live: false },
  dbs_pq_acquire_wait_seconds: { by: "libpq pool (pq/)", live: false },
  dbs_pq_statement_seconds: { by: "libpq pool (pq/)", live: false },
  // InstanceServiceClient inside database-service (client/)
  grpc_client_started_total: { by: "InstanceServiceClient (client/)", live: false },
  grpc_client_handled_total: { by: "InstanceServiceClient (client/)", live: false },
  grpc_client_handling_seconds: { by: "InstanceServiceClient (client/)", live: false },
  dbs_client_retries_total: { by: "InstanceServiceClient (client/)", live: false },
  // instance-service's fleet view (instance_service/fleet)
  dbs_fleet_pools: { by: "fleet view", live: true },
  dbs_fleet_slots_used: { by: "fleet view", live: true },
  dbs_fleet_slots_total: { by: "fleet view", live: true },
  dbs_fleet_refresh_timestamp_seconds: { by: "fleet view", live: true },
  dbs_fleet_refresh_errors_total: { by: "fleet view", live: true },
  // database-service's monitoring and allocation
  dbs_pool_probe_total: { by: "database-service monitoring", live: true },
  dbs_pool_probe_seconds: { by: "database-service monitoring", live: true },
  dbs_allocations_total: { by: "database-service allocation", live: true },
  // database-service's reconciler: both kinds are declared at 0 on start
  dbs_reconciler_repairs_total: { by: "reconciler (database_service/)", live: true },
};
const live = (family) => FAMILIES[family]?.live === true;

// ---------------------------------------------------------------- arguments
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
for (const required of ["instance-service", "database-service", "pg-cluster", "buf", "prometheus", "observability", "work"]) {
  if (!args[required]) {
    console.error(`usage: missing --${required}`);
    process.exit(2);
  }
}
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.log(`FAIL: ${message}`);
};
const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

// ---------------------------------------------------------------- helpers
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `probe` (async, returns a value or undefined/false) until it yields a
// truthy value or `seconds` pass; returns the last value.
async function waitFor(what, probe, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = undefined;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, { encoding: "utf8", ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${argv.join(" ")} failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
  return result.stdout.trim();
}

const work = path.resolve(args.work, `run-${process.pid}`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const children = [];
function startProcess(name, command, argv, env = {}) {
  const logFile = path.join(work, `${name}.log`);
  const fd = openSync(logFile, "w");
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ["ignore", fd, fd] });
  children.push({ name, child, logFile });
  return { child, logFile };
}
const readLog = (file) => readFileSync(file, "utf8");

// gRPC through buf curl, as the README's cheat-sheet does.
function grpc(address, method, body) {
  const result = spawnSync(args.buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", JSON.stringify(body), `http://${address}/${method}`], { encoding: "utf8" });
  return { ok: result.status === 0, out: result.stdout + result.stderr };
}
const serving = (address, service) =>
  grpc(address, "grpc.health.v1.Health/Check", { service }).out.includes('"SERVING"');

// The metrics URL a service logged at start-up ("metrics on http://host:port/metrics").
async function metricsAddress(name, logFile) {
  return waitFor(`${name} to log its metrics address`, () => {
    const m = readLog(logFile).match(/metrics on http:\/\/([\d.]+:\d+)\/metrics/);
    return m && m[1];
  }, 20);
}

// Prometheus HTTP API.
let promBase;
async function promQuery(expr) {
  const response = await fetch(`${promBase}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await response.json();
  if (body.status !== "success") throw new Error(`${expr}: ${body.errorType}: ${body.error}`);
  return body.data.result;
}
// The single value of an expression that yields one series (NaN when none).
async function promValue(expr) {
  const result = await promQuery(expr);
  return result.length === 1 ? Number(result[0].value[1]) : NaN;
}

// ---------------------------------------------------------------- the stack
const fixtureDir = process.env.DBS_TEST_PG_STATE_DIR;
if (!fixtureDir) {
  console.error("DBS_TEST_PG_STATE_DIR is not set (run through ctest: the postgres fixture)");
  process.exit(2);
}
const admin = readFileSync(path.join(fixtureDir, "conninfo"), "utf8").trim();
const scratch = `observability_${process.pid}`;
const poolDir = path.join(work, "pool-db");
let poolStarted = false;

async function main() {
  // 0. The dashboards, statically: every panel has PromQL and unique ids.
  const dashboards = readdirSync(path.join(args.observability, "dashboards"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ file: f, json: JSON.parse(readFileSync(path.join(args.observability, "dashboards", f), "utf8")) }));
  if (!dashboards.length) fail("no dashboard under deploy/observability/dashboards");
  const panels = [];
  for (const { file, json } of dashboards) {
    const ids = new Set();
    for (const panel of json.panels ?? []) {
      if (ids.has(panel.id)) fail(`${file}: panel id ${panel.id} is not unique`);
      ids.add(panel.id);
      if (panel.type === "row") continue;
      if (!panel.gridPos) fail(`${file}: panel "${panel.title}" has no gridPos`);
      if (panel.datasource?.uid !== "${datasource}") fail(`${file}: panel "${panel.title}" must use the $datasource variable`);
      if (!(panel.targets ?? []).length) fail(`${file}: panel "${panel.title}" has no query`);
      for (const target of panel.targets ?? []) panels.push({ file, title: panel.title, expr: target.expr, refId: target.refId });
    }
  }
  log(`${panels.length} panel queries in ${dashboards.length} dashboard(s)`);

  // 1. instance-service on a scratch database of the fixture.
  run("psql", [admin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", `CREATE DATABASE ${scratch}`]);
  const instanceAddress = `127.0.0.1:${await freePort()}`;
  const instance = startProcess("instance-service", args["instance-service"], [
    `--listen=${instanceAddress}`, "--metrics_listen=127.0.0.1:0", "--fleet_metrics_interval_ms=500",
  ], { INSTANCE_SERVICE_DATABASE_URL: `${admin} dbname=${scratch}`, GLOG_logtostderr: "1" });
  // 2. A pool server.
  run(args["pg-cluster"], ["start", poolDir]);
  poolStarted = true;
  const poolPort = Number(readFileSync(path.join(poolDir, "port"), "utf8"));
  await waitFor("instance-service to be ready", () => serving(instanceAddress, "instance.v1.DbServerService"));
  // 3. database-service, probing every 500 ms.
  const databaseAddress = `127.0.0.1:${await freePort()}`;
  const database = startProcess("database-service", args["database-service"], [
    `--listen=${databaseAddress}`, "--metrics_listen=127.0.0.1:0", `--instance_service_target=${instanceAddress}`,
    "--monitoring_interval_ms=500", "--monitoring_jitter_percent=0", "--probe_timeout_ms=500",
    "--pool_connect_timeout_ms=500", "--drain_seconds=1",
  ], { DATABASE_SERVICE_POOL_ADMIN_USER: "postgres", GLOG_logtostderr: "1" });
  await waitFor("database-service to be ready", () => serving(databaseAddress, "database.v1.DatabaseService"));
  const instanceMetrics = await metricsAddress("instance-service", instance.logFile);
  const databaseMetrics = await metricsAddress("database-service", database.logFile);
  log(`instance-service ${instanceAddress} (metrics ${instanceMetrics}), database-service ${databaseAddress} (metrics ${databaseMetrics}), pool server :${poolPort}`);

  // 4. Prometheus, scraping both every second, with the alert rules loaded.
  const promPort = await freePort();
  promBase = `http://127.0.0.1:${promPort}`;
  const rules = path.resolve(args.observability, "rules");
  writeFileSync(path.join(work, "prometheus.yml"), [
    "global:", "  scrape_interval: 1s", "  evaluation_interval: 1s",
    "rule_files:", `  - ${rules}/*.yml`,
    "scrape_configs:",
    "  - job_name: instance-service", "    static_configs:", `      - targets: ['${instanceMetrics}']`,
    "  - job_name: database-service", "    static_configs:", `      - targets: ['${databaseMetrics}']`, "",
  ].join("\n"));
  startProcess("prometheus", args.prometheus, [
    `--config.file=${path.join(work, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(work, "tsdb")}`,
    `--web.listen-address=127.0.0.1:${promPort}`, "--log.level=warn",
  ]);
  await waitFor("Prometheus to be ready", async () => (await fetch(`${promBase}/-/ready`)).ok);
  await waitFor("both targets to be up", async () =>
    (await promValue('sum(up{job=~"instance-service|database-service"})')) === 2);
  log(`Prometheus ${promBase} scrapes both services`);

  // 5. The flow, and the counters moving.
  const dbApi = `database.v1.DatabaseService`;
  const allocations = (outcome) => promValue(`sum(dbs_allocations_total{outcome="${outcome}"})`);
  const baselineOk = await waitFor("dbs_allocations_total to exist at 0", async () => {
    const v = await allocations("ok");
    return Number.isNaN(v) ? undefined : { v };
  });
  if (baselineOk.v !== 0) fail(`dbs_allocations_total{outcome="ok"} starts at ${baselineOk.v}, expected 0`);

  const provisioned = grpc(databaseAddress, `${dbApi}/ProvisionPool`, {
    display_name: "obs-pool-1", host: "127.0.0.1", port: poolPort, server_type: "postgres", max_instances: 10,
    request_id: randomUUID(),
  });
  if (!provisioned.ok) throw new Error(`ProvisionPool failed: ${provisioned.out}`);
  for (const tenant of ["tenant_a", "tenant_b", "tenant_c"]) {
    const created = grpc(databaseAddress, `${dbApi}/CreateDatabase`, { database_name: tenant, server_type: "postgres", request_id: randomUUID() });
    if (!created.ok) throw new Error(`CreateDatabase ${tenant} failed: ${created.out}`);
  }
  run("psql", [`${readFileSync(path.join(poolDir, "conninfo"), "utf8").trim()}`, "-X", "-q", "-c", "CREATE DATABASE tenant_clash"]);
  const clash = grpc(databaseAddress, `${dbApi}/CreateDatabase`, { database_name: "tenant_clash", server_type: "postgres", request_id: randomUUID() });
  if (clash.ok || !clash.out.includes("already_exists")) fail(`the name collision should fail with already_exists: ${clash.out}`);
  // An error with an ErrorInfo reason, straight at instance-service.
  grpc(instanceAddress, "instance.v1.DbServerService/GetDbServer", { id: randomUUID() });
  log("flow driven: ProvisionPool, CreateDatabase x3, a collision, a GetDbServer NOT_FOUND");

  const check = async (what, probe, seconds = 20) => {
    try {
      const value = await waitFor(what, probe, seconds);
      log(`ok: ${what}`);
      return value;
    } catch (e) {
      fail(e.message);
    }
  };
  await check('dbs_allocations_total{outcome="ok"} moved 0 -> 3', async () => (await allocations("ok")) === 3);
  await check('dbs_allocations_total{outcome="pool_error"} moved 0 -> 1', async () => (await allocations("pool_error")) === 1);
  await check('dbs_fleet_slots_used{server_type="postgres"} reads 3 of dbs_fleet_slots_total 10', async () =>
    (await promValue('max(dbs_fleet_slots_used{server_type="postgres"})')) === 3 &&
    (await promValue('max(dbs_fleet_slots_total{server_type="postgres"})')) === 10);
  await check('dbs_fleet_pools counts the pool ACTIVE and HEALTHY', async () =>
    (await promValue('max(dbs_fleet_pools{server_type="postgres",state="ACTIVE",health="HEALTHY"})')) === 1);
  const healthyProbes = () => promValue('sum(dbs_pool_probe_total{pool="obs-pool-1",result="HEALTHY"})');
  const firstProbes = await check("dbs_pool_probe_total counts HEALTHY probes of obs-pool-1", async () => {
    const v = await healthyProbes();
    return v > 0 ? { v } : undefined;
  });
  if (firstProbes) {
    await check(`dbs_pool_probe_total keeps moving (above ${firstProbes.v})`, async () => (await healthyProbes()) > firstProbes.v);
  }
  await check("dbs_pool_probe_seconds observed the probes", async () =>
    (await promValue('sum(dbs_pool_probe_seconds_count{pool="obs-pool-1"})')) > 0);

  // The outage: probes turn UNHEALTHY and the fleet view counts the pool so.
  run(args["pg-cluster"], ["halt", poolDir]);
  log("pool server halted");
  await check('dbs_pool_probe_total{result="UNHEALTHY"} moves during the outage', async () =>
    (await promValue('sum(dbs_pool_probe_total{pool="obs-pool-1",result="UNHEALTHY"})')) > 0);
  await check('dbs_fleet_pools{health="UNHEALTHY"} reads 1', async () =>
    (await promValue('max(dbs_fleet_pools{server_type="postgres",health="UNHEALTHY"})')) === 1);
  run(args["pg-cluster"], ["resume", poolDir]);
  log("pool server resumed");
  await check('dbs_fleet_pools{health="UNHEALTHY"} back to 0 after recovery', async () =>
    (await promValue('max(dbs_fleet_pools{server_type="postgres",health="UNHEALTHY"})')) === 0 &&
    (await promValue('max(dbs_fleet_pools{server_type="postgres",health="HEALTHY"})')) === 1);

  // Checks that switch on when the lead's instrumentation goes live.
  if (live("grpc_server_handled_total")) {
    await check("grpc_server_handled_total counts the CreateDatabase calls on database-service", async () =>
      (await promValue('sum(grpc_server_handled_total{job="database-service",grpc_method="CreateDatabase",grpc_code="OK"})')) === 3);
    await check("grpc_server_handled_total carries the ErrorInfo reason of the NOT_FOUND", async () =>
      (await promValue('sum(grpc_server_handled_total{job="instance-service",grpc_method="GetDbServer",grpc_code="NotFound",reason="DB_SERVER_NOT_FOUND"})')) === 1);
  }
  if (live("grpc_client_handled_total")) {
    await check("grpc_client_handled_total counts AllocateDbServer from database-service", async () =>
      (await promValue('sum(grpc_client_handled_total{job="database-service",grpc_method="AllocateDbServer",grpc_code="OK"})')) >= 4);
  }
  if (live("dbs_pq_statement_seconds")) {
    await check("dbs_pq_statement_seconds observed statements on instance-service", async () =>
      (await promValue('sum(dbs_pq_statement_seconds_count{job="instance-service"})')) > 0);
  }

  // 6. Every panel's PromQL through Prometheus.
  const variables = { __rate_interval: "1m", __interval: "15s", __range: "5m", job: ".+" };
  const substitute = (expr) => expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a, b) => {
    const name = a ?? b;
    if (!(name in variables)) throw new Error(`unknown dashboard variable $${name}`);
    return variables[name];
  });
  // The metric families an expression reads: grpc_*/dbs_* names that are not label
  // names, with a histogram's _bucket/_sum/_count suffix taken off.
  const labelNames = new Set(["grpc_service", "grpc_method", "grpc_type", "grpc_code"]);
  const familiesOf = (expr) => {
    const names = new Set();
    for (const [, name] of expr.replace(/"[^"]*"/g, '""').matchAll(/\b((?:grpc|dbs)_[a-z0-9_]+)\b/g)) {
      if (labelNames.has(name)) continue;
      const stem = name.replace(/_(bucket|sum|count)$/, "");
      names.add(FAMILIES[name] || !FAMILIES[stem] ? name : stem);
    }
    return [...names];
  };
  const pending = [];
  let answered = 0;
  for (const panel of panels) {
    const where = `${panel.file} "${panel.title}" ${panel.refId}`;
    const families = familiesOf(panel.expr);
    const unknown = families.filter((f) => !(f in FAMILIES));
    if (unknown.length) {
      fail(`${where}: reads ${unknown.join(", ")}, which is no metric family of ours (a typo?)`);
      continue;
    }
    let result;
    try {
      result = await promQuery(substitute(panel.expr));
    } catch (e) {
      fail(`${where}: Prometheus refused the query: ${e.message}`);
      continue;
    }
    const waitingFor = families.filter((f) => !live(f));
    if (waitingFor.length) {
      pending.push(`${where}: ${result.length ? `${result.length} series already (flip FAMILIES to live?)` : "no series yet"}; waits for ${[...new Set(waitingFor.map((f) => FAMILIES[f].by))].join(", ")}`);
      continue;
    }
    if (!result.length) fail(`${where}: no series, though every family it reads is live: ${panel.expr}`);
    else answered++;
  }
  log(`${answered} panel queries returned series; ${pending.length} wait for instrumentation not in this build`);
  if (pending.length) console.log(`TODO (not failures) - panels that wait for instrumentation:\n  ${pending.join("\n  ")}`);

  // 7. The alert rules, as loaded by the real server.
  const rulesResponse = await (await fetch(`${promBase}/api/v1/rules`)).json();
  const loaded = rulesResponse.data.groups.flatMap((g) => g.rules);
  const unhealthy = loaded.filter((r) => r.health !== "ok" && r.health !== "unknown");
  if (!loaded.length) fail("Prometheus loaded no alert rules");
  for (const rule of unhealthy) fail(`rule ${rule.name}: ${rule.health}: ${rule.lastError}`);
  log(`Prometheus loaded ${loaded.length} rules, ${unhealthy.length} unhealthy`);
}

function stopAll() {
  for (const { child } of children.reverse()) {
    if (child.exitCode === null) child.kill("SIGTERM");
  }
}

let exitCode = 0;
try {
  await main();
} catch (e) {
  fail(e.message);
}
stopAll();
await Promise.all(children.map(({ child }) =>
  child.exitCode === null ? new Promise((resolve) => { child.once("exit", resolve); setTimeout(() => { child.kill("SIGKILL"); resolve(); }, 10000); }) : null));
if (poolStarted) spawnSync(args["pg-cluster"], ["stop", poolDir]);
spawnSync("psql", [admin, "-X", "-q", "-c", `DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`]);
if (failures.length) {
  exitCode = 1;
  console.log(`\n${failures.length} failure(s); logs kept in ${work}`);
  for (const { name, logFile } of children) {
    console.log(`--- end of ${name}.log`);
    console.log(readLog(logFile).split("\n").slice(-8).join("\n"));
  }
} else {
  rmSync(work, { recursive: true, force: true });
  console.log(`ok: in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
process.exit(exitCode);

// alert_coverage.mjs: every alert of a Prometheus rules file is unit-tested both
// ways by a promtool test file: at least one alert_rule_test case expects it to
// fire (non-empty exp_alerts) and at least one expects silence (exp_alerts: []);
// and no test names an alert the rules do not define. promtool itself only runs
// the cases that exist, so an alert without tests would pass unnoticed.
//
//   node alert_coverage.mjs --tools DIR --rules RULES.yml --tests TESTS.yml
//
// Exit 0 when covered; 1 listing each gap.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
for (const required of ["tools", "rules", "tests"]) {
  if (!args[required]) {
    console.error(`usage: missing --${required}`);
    process.exit(2);
  }
}
const { parse } = await import(pathToFileURL(path.join(args.tools, "node_modules/yaml/dist/index.js")));

const alerts = new Set();
for (const group of parse(readFileSync(args.rules, "utf8")).groups ?? []) {
  for (const rule of group.rules ?? []) if (rule.alert) alerts.add(rule.alert);
}
const fires = new Set();
const quiet = new Set();
const problems = new Set();
for (const test of parse(readFileSync(args.tests, "utf8")).tests ?? []) {
  for (const check of test.alert_rule_test ?? []) {
    if (!alerts.has(check.alertname)) problems.add(`test "${test.name}" names unknown alert ${check.alertname}`);
    ((check.exp_alerts ?? []).length ? fires : quiet).add(check.alertname);
  }
}
for (const alert of alerts) {
  if (!fires.has(alert)) problems.add(`${alert}: no test case makes it fire`);
  if (!quiet.has(alert)) problems.add(`${alert}: no test case expects it to stay quiet`);
}
if (problems.size) {
  console.log([...problems].map((p) => `FAIL: ${p}`).join("\n"));
  process.exit(1);
}
console.log(`ok: ${alerts.size} alerts, each tested firing and quiet: ${[...alerts].join(", ")}`);

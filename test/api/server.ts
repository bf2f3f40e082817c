// Test helper (not used by the product): builds the app once into a private copy and starts
// `next start` on it with a test demo's environment. The copy keeps the tests off the `.next` folder
// that `npm run demo` and other developers' builds use; sources are unchanged, only the copy's
// next.config skips the type check (`npm run typecheck` does that job). Each version of the sources
// gets a folder of its own, built under a lock, so test files run side by side (or a test run while
// the sources change) never rebuild a copy another one is serving.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, readdir, rm, stat, writeFile, readFile, utimes } from "node:fs/promises";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");
const buildsDir = path.join(root, ".data", "api-test-builds");
/** Builds of other source versions unused for this long are removed (no test runs that long). */
const STALE_BUILD_MS = 3 * 60 * 60 * 1000;
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const SKIP = new Set([".git", ".next", ".data", "node_modules", "test-results", "playwright-report", "e2e", "bench", "packages", "package-lock.json", "next.config.js", "tsconfig.tsbuildinfo"]);

async function sourceEntries(): Promise<string[]> {
  return (await readdir(root)).filter((name) => !SKIP.has(name) && !name.startsWith(".env"));
}

async function fingerprint(entries: string[]): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(root, rel);
    const st = await stat(abs);
    if (st.isDirectory()) {
      for (const name of (await readdir(abs)).sort()) await walk(path.join(rel, name));
    } else hash.update(`${rel}:${st.size}:${st.mtimeMs}\n`);
  };
  for (const e of entries.sort()) await walk(e);
  hash.update(await readFile(path.join(root, "next.config.js")));
  return hash.digest("hex");
}

/** Builds the copy unless a build of the same sources exists. Returns the copy's folder. */
export async function buildTestApp(log: (line: string) => void = () => {}): Promise<string> {
  const entries = await sourceEntries();
  const stamp = await fingerprint(entries);
  const appDir = path.join(buildsDir, stamp.slice(0, 16));
  await mkdir(buildsDir, { recursive: true });
  const release = await lockFolder(`${appDir}.lock`);
  try {
    if (existsSync(path.join(appDir, ".next", "BUILD_ID"))) {
      log("reusing the test build");
    } else {
      await buildInto(appDir, entries, log);
    }
    const now = new Date();
    await utimes(appDir, now, now);
  } finally {
    await release();
  }
  await removeStaleBuilds(appDir);
  return appDir;
}

async function buildInto(appDir: string, entries: string[], log: (line: string) => void): Promise<void> {
  await rm(appDir, { recursive: true, force: true });
  await mkdir(appDir, { recursive: true });
  for (const e of entries) await cp(path.join(root, e), path.join(appDir, e), { recursive: true, preserveTimestamps: true });
  await writeFile(
    path.join(appDir, "next.config.mjs"),
    `import base from ${JSON.stringify(path.join(root, "next.config.js"))};\nexport default { ...base, typescript: { ...(base.typescript ?? {}), ignoreBuildErrors: true } };\n`,
  );
  log("building the app (next build) …");
  const started = Date.now();
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    cwd: appDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);
  log(`built in ${Math.round((Date.now() - started) / 1000)}s`);
}

/** A lock folder holding the owner's pid; one whose owner died is taken over. Returns the release. */
async function lockFolder(lock: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, "pid"), String(process.pid));
      return () => rm(lock, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = Number(await readFile(path.join(lock, "pid"), "utf8").catch(() => "0"));
    const alive = owner > 0 && (() => { try { process.kill(owner, 0); return true; } catch { return false; } })();
    // No pid yet: its owner is between mkdir and writeFile, unless it died there long ago.
    const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()));
    if ((owner > 0 && !alive) || (owner === 0 && age > 60_000)) await rm(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`the test build lock ${lock} is still held by process ${owner}`);
    else await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Removes builds of other source versions that nobody used for STALE_BUILD_MS. */
async function removeStaleBuilds(current: string): Promise<void> {
  for (const name of await readdir(buildsDir).catch(() => [] as string[])) {
    const dir = path.join(buildsDir, name);
    if (dir === current || name.endsWith(".lock") || existsSync(`${dir}.lock`)) continue;
    const used = await stat(dir).then((s) => s.mtimeMs, () => Date.now());
    if (Date.now() - used > STALE_BUILD_MS) await rm(dir, { recursive: true, force: true });
  }
}

export interface TestServer {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * The product's server (scripts/serve.ts, as `npm start` runs it: Next behind a server that tells
 * the app the TCP peer's address) on the built copy with `env` (e.g. a test demo's), ready when it answers.
 */
export async function startTestServer(dir: string, env: Record<string, string>): Promise<TestServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(dir, "scripts", "serve.ts"), "-p", String(port), "-H", "127.0.0.1"], {
    cwd: dir,
    env: { ...process.env, ...env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${out}`);
    const ok = await fetch(`${url}/migration/openapi.json`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`next start did not answer within 60s:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

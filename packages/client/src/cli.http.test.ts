import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestDemo, type TestDemo } from "../../../test/demo-fixture";
import { buildTestApp, startTestServer, type TestServer } from "../../../test/api/server";
import { testApiToken, TEST_SERVER_SETTINGS } from "../../../test/api/client";
import { EXIT } from "./cli";

// The CLI as a pipeline runs it: the built package's bin (node dist/bin.js) as a child process, with
// the token in the environment, against the real server on a test demo migration.

const packageDir = path.resolve(import.meta.dirname, "..");
const root = path.resolve(packageDir, "..", "..");
const bin = path.join(packageDir, "dist", "bin.js");

let t: TestDemo;
let server: TestServer;
let token: string;
let copyStore: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args`; the token and URL come from the environment unless `env` says otherwise. */
function cli(args: string[], options: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, MIGRATION_CHECKPOINTS_TOKEN: token, MIGRATION_CHECKPOINTS_URL: server.url, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [bin, ...args], { env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Runs the CLI on a terminal (util-linux `script` gives it a pseudo-terminal), typing `typed` when asked. */
function cliOnTerminal(args: string[], typed: string): Promise<Run> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qefc", command, "/dev/null"], {
      env: { ...process.env, MIGRATION_CHECKPOINTS_TOKEN: token, MIGRATION_CHECKPOINTS_URL: server.url, TERM: "xterm" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let typedIn = false;
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (!typedIn && stdout.includes("to roll back:")) {
        typedIn = true;
        child.stdin.write(`${typed}\r`);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr: "" }));
  });
}

/** The `run` script of the workflow's step `id: gate` (.github/workflows/migration-gate.yml). */
function gateStepScript(): string {
  const lines = readFileSync(path.join(root, ".github", "workflows", "migration-gate.yml"), "utf8").split("\n");
  const start = lines.findIndex((l, i) => l.trim() === "run: |" && lines.slice(Math.max(0, i - 3), i).some((p) => p.trim() === "id: gate"));
  if (start < 0) throw new Error("no run script in the step with id: gate");
  const indent = (l: string) => l.length - l.trimStart().length;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() && indent(line) <= indent(lines[start]!)) break;
    body.push(line);
  }
  const base = Math.min(...body.filter((l) => l.trim()).map(indent));
  return body.map((l) => l.slice(base)).join("\n");
}

/** Runs a workflow step's script with bash in the repository, as a runner does: outputs and summary in files. */
async function runWorkflowStep(script: string, env: Record<string, string>) {
  const work = await mkdtemp(path.join(os.tmpdir(), "mc-workflow-"));
  try {
    const files = { GITHUB_OUTPUT: path.join(work, "output"), GITHUB_STEP_SUMMARY: path.join(work, "summary") };
    await writeFile(files.GITHUB_OUTPUT, "");
    await writeFile(files.GITHUB_STEP_SUMMARY, "");
    // The step runs in the checkout; its scratch files (gate.json …) stay in the temp folder.
    await symlink(path.join(root, "packages"), path.join(work, "packages"));
    const run = spawnSync("bash", ["-e", "-c", script], {
      cwd: work,
      encoding: "utf8",
      env: { ...process.env, ...files, ...env, MIGRATION_CHECKPOINTS_TOKEN: token, MIGRATION_CHECKPOINTS_URL: server.url, PATH: process.env.PATH },
    });
    const outputs = Object.fromEntries(readFileSync(files.GITHUB_OUTPUT, "utf8").trim().split("\n").map((l) => l.split("=") as [string, string]));
    return { code: run.status, log: run.stdout + run.stderr, outputs, summary: readFileSync(files.GITHUB_STEP_SUMMARY, "utf8") };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const json = (r: Run) => {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};

beforeAll(async () => {
  // The package as it is shipped: built to JS + .d.ts.
  const build = spawnSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(packageDir, "tsconfig.build.json")], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`building the client package failed:\n${build.stdout}${build.stderr}`);
  const [demo, dir] = await Promise.all([startTestDemo(), buildTestApp()]);
  t = demo;
  token = await testApiToken(t.ctx.db, "cli-admin", "admin");
  copyStore = await mkdtemp(path.join(os.tmpdir(), "mc-cli-copies-"));
  server = await startTestServer(dir, { ...t.demo.env, ...TEST_SERVER_SETTINGS, BACKUP_COPY_STORE_URL: copyStore });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (copyStore) await rm(copyStore, { recursive: true, force: true });
});

describe("the package", () => {
  it("is built to JS with type declarations, and ships only those", () => {
    for (const file of ["index.js", "index.d.ts", "bin.js", "client.d.ts", "generated/openapi.d.ts"]) expect(existsSync(path.join(packageDir, "dist", file)), file).toBe(true);
    const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: packageDir, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    const files = (JSON.parse(pack.stdout)[0].files as { path: string }[]).map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["package.json", "dist/index.js", "dist/index.d.ts", "dist/bin.js"]));
    expect(files.filter((f) => f.startsWith("src/") || f.endsWith(".test.js"))).toEqual([]);
  });

  it("installs from its npm pack tarball into another project, which can import it, require() it (CommonJS) and run its bin", async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), "mc-client-consumer-"));
    try {
      const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work, "--json"], { cwd: packageDir, encoding: "utf8" });
      expect(pack.status, pack.stderr).toBe(0);
      const tarball = path.join(work, JSON.parse(pack.stdout)[0].filename);
      await writeFile(path.join(work, "package.json"), JSON.stringify({ name: "nest-app", version: "0.0.0", private: true }));
      const install = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: work, encoding: "utf8" });
      expect(install.status, install.stderr).toBe(0);
      const esm = spawnSync(process.execPath, ["--input-type=module", "-e", 'import { createMigrationClient, MigrationPhase } from "@migration-checkpoints/client"; console.log(typeof createMigrationClient, MigrationPhase.DATA_MIGRATED)'], { cwd: work, encoding: "utf8" });
      expect(esm.stdout.trim(), esm.stderr).toBe("function data_migrated");
      const cjs = spawnSync(process.execPath, ["-e", 'const c = require("@migration-checkpoints/client"); console.log(typeof c.MigrationCheckpointsClient, c.CheckpointStatus.ACTIVE)'], { cwd: work, encoding: "utf8" });
      expect(cjs.stdout.trim(), cjs.stderr).toBe("function active");
      const help = spawnSync(path.join(work, "node_modules", ".bin", "migration-checkpoints"), ["--help"], { cwd: work, encoding: "utf8" });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/Exit codes:/);
      expect(existsSync(path.join(work, "node_modules", "@migration-checkpoints", "client", "dist", "index.d.ts"))).toBe(true);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("depends on exactly the versions the repository installs", () => {
    const pkg = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
    const rootPkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(rootPkg.dependencies[name] ?? rootPkg.devDependencies[name], name).toBe(version);
    }
  });
});

describe("the CLI against the running server", () => {
  let initialId: string;

  it("refuses bad usage with exit 2 and never takes a token argument", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(EXIT.passed);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*3 {2}gate closed/);
    expect((await cli(["frobnicate"])).code).toBe(EXIT.usage);
    expect((await cli(["gate", "--phase", "phase_9"])).code).toBe(EXIT.usage);
    expect((await cli(["list", "--token", token])).code).toBe(EXIT.usage);
    const noToken = await cli(["list"], { env: { MIGRATION_CHECKPOINTS_TOKEN: undefined } });
    expect(noToken.code).toBe(EXIT.usage);
    expect(noToken.stderr).toMatch(/MIGRATION_CHECKPOINTS_TOKEN/);
  });

  it("cannot run (exit 4) when the server is unreachable or the token is not valid", async () => {
    const unreachable = await cli(["--url", "http://127.0.0.1:1", "list"]);
    expect(unreachable.code).toBe(EXIT.inconclusive);
    expect(unreachable.stderr).toMatch(/Could not reach/);
    const badToken = await cli(["list", "--json"], { env: { MIGRATION_CHECKPOINTS_TOKEN: "mc_not-a-token" } });
    expect(badToken.code).toBe(EXIT.inconclusive);
    expect(json(badToken).error.code).toBe("unauthenticated");
  });

  it("checkpoint create waits for the backup, with plain progress lines off a terminal", async () => {
    const r = await cli(["checkpoint", "create", "cli-initial", "--phase", "initial", "--description", "from the CLI", "--json"]);
    expect(r.code, r.stderr).toBe(EXIT.passed);
    const checkpoint = json(r);
    expect(checkpoint).toMatchObject({ name: "cli-initial", phase: "initial", status: "created", description: "from the CLI" });
    initialId = checkpoint.id;
    expect(r.stderr).toMatch(/^backup: .+/m);
    expect(r.stderr).not.toMatch(/\r/);
    const early = await cli(["checkpoint", "create", "cli-too-early", "--phase", "data_migrated"]);
    expect(early.code).toBe(EXIT.gateClosed);
    expect(early.stderr).toMatch(/error: /);
  });

  it("gate is closed (exit 3) until the phase's checkpoint passes validation, then open (exit 0)", async () => {
    const closed = await cli(["gate", "--phase", "initial"]);
    expect(closed.code).toBe(EXIT.gateClosed);
    expect(closed.stdout).toMatch(/gate closed: .*cli-initial.*created/);
    const validated = await cli(["validate", "--phase", "initial", "--json"]);
    expect(validated.code, validated.stderr).toBe(EXIT.passed);
    expect(json(validated)).toMatchObject({ passed: true, verdict: "passed", checkpoint: { id: initialId, status: "active" } });
    const open = await cli(["gate", "--phase", "initial", "--json"]);
    expect(open.code).toBe(EXIT.passed);
    expect(json(open)).toMatchObject({ open: true, nextPhase: "schema_extracted", checkpoint: { id: initialId } });
  });

  it("gate --validate closes (exit 3) when the validation fails, naming why", async () => {
    const created = await cli(["checkpoint", "create", "cli-schema", "--phase", "schema_extracted"]);
    expect(created.code, created.stderr).toBe(EXIT.passed);
    // Nothing was migrated into the target: its schema cannot match the source's.
    const r = await cli(["gate", "--phase", "schema_extracted", "--validate"]);
    expect(r.code, r.stdout + r.stderr).toBe(EXIT.gateClosed);
    expect(r.stdout).toMatch(/✗ schema: failed/);
    expect(r.stdout).toMatch(/gate closed: /);
    const failedValidation = await cli(["validate", "--checkpoint", json(await cli(["list", "--phase", "schema_extracted", "--json"]))[0].id]);
    expect(failedValidation.code).toBe(EXIT.failed);
  });

  it("the CI workflow's gate step, run as GitHub Actions runs it, reports the gate and sets its outputs", async () => {
    const script = gateStepScript();
    const open = await runWorkflowStep(script, { PHASE: "initial", VALIDATE: "false" });
    expect(open.code, open.log).toBe(0);
    expect(open.outputs).toEqual({ "exit-code": "0", open: "true" });
    expect(open.summary).toMatch(/## Migration gate: ✅ gate open/);
    expect(open.summary).toMatch(/Checkpoint "cli-initial" of initial is active/);
    const closed = await runWorkflowStep(script, { PHASE: "schema_extracted", VALIDATE: "true" });
    expect(closed.outputs).toEqual({ "exit-code": String(EXIT.gateClosed), open: "false" });
    expect(closed.summary).toMatch(/## Migration gate: ⛔ gate closed/);
    expect(closed.summary).toMatch(/validated afresh/);
    expect(closed.summary).toMatch(/```json/);
  });

  it("list, active, verify", async () => {
    const list = await cli(["list", "--phase", "initial", "--json"]);
    expect(list.code).toBe(EXIT.passed);
    expect(json(list).map((c: { id: string }) => c.id)).toContain(initialId);
    const text = await cli(["list"]);
    expect(text.stdout).toMatch(/cli-schema[\s\S]*cli-initial/);
    const active = await cli(["active", "initial", "--json"]);
    expect(active.code).toBe(EXIT.passed);
    expect(json(active).id).toBe(initialId);
    const none = await cli(["active", "production_ready"]);
    expect(none.code).toBe(EXIT.failed);
    expect(none.stdout).toMatch(/no active checkpoint/);
    const verify = await cli(["verify", initialId]);
    expect(verify.code, verify.stderr).toBe(EXIT.passed);
    expect(verify.stdout).toMatch(/verified/);
  });

  it("checkpoint copy copies to the copy store and, with --back, back from it; a checkpoint that does not exist fails (exit 1)", async () => {
    const to = await cli(["checkpoint", "copy", initialId]);
    expect(to.code, to.stderr).toBe(EXIT.passed);
    expect(to.stdout).toMatch(new RegExp(`✓ checkpoint ${initialId} copied to ${copyStore}: \\d+ blobs verified there \\(\\d+ sent, `));
    expect(to.stderr).toMatch(/^copy: .+/m);
    const back = await cli(["checkpoint", "copy", initialId, "--back", "--json"]);
    expect(back.code, back.stderr).toBe(EXIT.passed);
    expect(json(back)).toMatchObject({ direction: "from_copy_store", status: "complete", objectsSent: 0 });
    const missing = await cli(["checkpoint", "copy", "00000000-0000-4000-8000-000000000000"]);
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it("rollback asks for the checkpoint's name on a terminal (with a progress bar), refuses without one unless --yes", async () => {
    const noTerminal = await cli(["rollback", initialId, "--components", "config"]);
    expect(noTerminal.code).toBe(EXIT.usage);
    expect(noTerminal.stderr).toMatch(/--yes/);
    const wrongName = await cliOnTerminal(["rollback", initialId, "--components", "config"], "not-the-name");
    expect(wrongName.code, wrongName.stdout).toBe(EXIT.usage);
    expect(wrongName.stdout).toMatch(/nothing was rolled back/);
    const audit = json(await cli(["audit", "--checkpoint", initialId, "--json"]));
    expect(audit.items.map((e: { action: string }) => e.action)).not.toContain("rollback.requested");

    const typed = await cliOnTerminal(["rollback", initialId, "--components", "config"], "cli-initial");
    expect(typed.code, typed.stdout).toBe(EXIT.passed);
    expect(typed.stdout).toMatch(/rollback \[[█░]+\]/);
    expect(typed.stdout).toMatch(/Config is at checkpoint "cli-initial"/);

    const scripted = await cli(["rollback", initialId, "--components", "config,storage", "--yes", "--json"]);
    expect(scripted.code, scripted.stderr).toBe(EXIT.passed);
    expect(json(scripted)).toMatchObject({ success: true, errors: [], components: ["storage", "config"] });
    expect(scripted.stderr).toMatch(/Rollback to "cli-initial"/);
  });

  it("audit lists what the CLI did", async () => {
    const r = await cli(["audit", "--checkpoint", initialId, "--action", "rollback.completed", "--json"]);
    expect(r.code).toBe(EXIT.passed);
    const page = json(r);
    expect(page.total).toBe(2);
    expect(page.items.every((e: { actor: string }) => e.actor.includes("cli-admin"))).toBe(true);
    const text = await cli(["audit", "--limit", "3"]);
    expect(text.stdout).toMatch(/3 of \d+ events/);
  });
});

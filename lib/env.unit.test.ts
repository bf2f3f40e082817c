import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenAddress, loadEnv, readEnvSection } from "./env";

const PRODUCT = {
  DATABASE_URL: "postgres://u@h/db", SUPABASE_DB_URL: "postgres://u@h/src", SUPABASE_URL: "http://127.0.0.1:1", SUPABASE_SERVICE_ROLE_KEY: "k",
  TARGET_DATABASE_URL: "postgres://u@h/t", TARGET_STORAGE_DIR: "/srv", BACKUP_DIR: "/var/backups",
};

function settingsNamedBy(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return (e as { details?: { settings?: unknown } }).details?.settings;
  }
  throw new Error("expected the environment to be refused");
}

describe("the environment's one schema", () => {
  it("names every bad setting of every section at once, never a value", () => {
    const bad = { ...PRODUCT, DATABASE_URL: "not-a-url", WORKER_CONCURRENCY: "0", NEXTAUTH_SECRET: "short-secret-value", PORT: "http", BACKUP_STORE_URL: "s3://bucket/p" };
    expect(settingsNamedBy(() => loadEnv(bad))).toEqual(expect.arrayContaining(["DATABASE_URL", "WORKER_CONCURRENCY", "NEXTAUTH_SECRET", "PORT", "BACKUP_S3_REGION"]));
    expect(() => loadEnv(bad)).not.toThrow(/short-secret-value/);
  });

  it("reads a section without the others' required settings", () => {
    expect(readEnvSection("worker", { WORKER_CONCURRENCY: "4", IN_PROCESS_WORKER: "false" })).toMatchObject({ WORKER_CONCURRENCY: 4, IN_PROCESS_WORKER: false, JOB_POLL_INTERVAL_MS: 1000 });
    expect(settingsNamedBy(() => readEnvSection("auth", { OIDC_DEFAULT_ROLE: "root", REAUTH_MAX_AGE_SECONDS: "1" }))).toEqual(["OIDC_DEFAULT_ROLE", "REAUTH_MAX_AGE_SECONDS"]);
  });

  it("treats an empty value as unset", () => {
    expect(loadEnv({ ...PRODUCT, PORT: "", HOST: "", BACKUP_STORE_URL: "" })).toMatchObject({ PORT: 3000, HOST: "127.0.0.1" });
  });
});

describe("where the server listens", () => {
  it("listens on 127.0.0.1:3000 unless PORT, HOST or the -p/-H flags say otherwise", () => {
    expect(listenAddress({}, {})).toEqual({ port: 3000, hostname: "127.0.0.1" });
    expect(listenAddress({}, { PORT: "4100", HOST: "0.0.0.0" })).toEqual({ port: 4100, hostname: "0.0.0.0" });
    expect(listenAddress({ port: "5000", hostname: "::1" }, { PORT: "4100", HOST: "0.0.0.0" })).toEqual({ port: 5000, hostname: "::1" });
    expect(settingsNamedBy(() => listenAddress({ port: "eighty" }, {}))).toEqual(["PORT"]);
  });

  describe("reading .env files as Next.js does", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "mc-env-"));
      await writeFile(path.join(dir, ".env"), "PORT=4321\nHOST=0.0.0.0\nWORKER_CONCURRENCY=3\n");
      await writeFile(path.join(dir, ".env.local"), "PORT=4555\n");
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    // A fresh process, as `npm start` or `npm run worker` is: loadEnvFiles() then the sections.
    function inFreshProcess(env: Record<string, string>): { files: string[]; listen: unknown; worker: unknown } {
      const code = `import("${path.join(import.meta.dirname, "env.ts")}").then((m) => { const files = m.loadEnvFiles({ dir: ${JSON.stringify(dir)} });
        console.log(JSON.stringify({ files: files, listen: m.listenAddress({}), worker: m.readEnvSection("worker").WORKER_CONCURRENCY })); })`;
      const childEnv: NodeJS.ProcessEnv = { ...process.env };
      for (const k of ["PORT", "HOST", "WORKER_CONCURRENCY", "NODE_ENV"]) delete childEnv[k];
      const out = execFileSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: path.join(import.meta.dirname, ".."), env: { ...childEnv, ...env }, encoding: "utf8" });
      return JSON.parse(out.trim().split("\n").at(-1)!);
    }

    it("takes PORT and HOST from .env, .env.local before .env, and a variable already set before both", () => {
      expect(inFreshProcess({})).toEqual({ files: [".env.local", ".env"], listen: { port: 4555, hostname: "0.0.0.0" }, worker: 3 });
      expect(inFreshProcess({ PORT: "4999" })).toMatchObject({ listen: { port: 4999, hostname: "0.0.0.0" } });
    });
  });
});

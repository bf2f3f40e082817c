import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../test/pg";
import { migrateDatabase } from "../lib/db/migrate";

const run = promisify(execFile);
let url: string;

async function cli(script: string, args: string[]) {
  const r = await run(process.execPath, ["--import", "tsx", `scripts/${script}`, ...args], { env: { ...process.env, DATABASE_URL: url }, timeout: 60_000 }).then(
    (x) => ({ code: 0, ...x }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  return r;
}

beforeAll(async () => {
  url = await createScratchDatabase("authcli");
  await migrateDatabase(url);
});

describe("user:create and token:create", () => {
  it("creates a user with a generated password printed once, and refuses a duplicate email clearly", async () => {
    const first = await cli("user-create.ts", ["--email", "ops@example.com", "--role", "admin"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Created admin ops@example.com/);
    expect(first.stdout).toMatch(/Password \(shown once, store it now\): [\w-]{24}/);
    const again = await cli("user-create.ts", ["--email", "OPS@example.com", "--role", "viewer", "--password", "another long password"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("A user with the email ops@example.com already exists.");
    const bad = await cli("user-create.ts", ["--email", "x@example.com", "--role", "root"]);
    expect(bad.code).toBe(2);
  });

  it("prints a token once and stores only its hash", async () => {
    const r = await cli("token-create.ts", ["--name", "ci", "--role", "operator"]);
    expect(r.code).toBe(0);
    const token = r.stdout.trim().split("\n").pop()!;
    expect(token).toMatch(/^mct_[\w-]{43}$/);
    const c = new pg.Client(url);
    await c.connect();
    try {
      const { rows } = await c.query("SELECT name, role, prefix, token_hash FROM api_tokens");
      expect(rows).toEqual([{ name: "ci", role: "operator", prefix: token.slice(0, 8), token_hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
      const audit = await c.query("SELECT action, after::text FROM audit_events ORDER BY seq");
      expect(audit.rows.map((x) => x.action)).toEqual(["user.created", "token.created"]);
      expect(JSON.stringify(audit.rows)).not.toContain(token.slice(8));
    } finally {
      await c.end();
    }
  });
});

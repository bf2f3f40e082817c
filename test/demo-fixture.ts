import { afterAll } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { randomBytes } from "node:crypto";
import { startDemoEnvironment, type DemoEnvironment } from "../demo/environment";
import { createAppContext, type AppContext } from "../lib/context";
import { envSchema } from "../lib/env";
import { adminUrl } from "./pg";

// Test files call startTestDemo inside beforeAll, where a newly registered afterAll never runs; the
// teardowns are collected here and run by one afterAll registered when a test file imports this module.
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) await cleanup();
});

export interface TestDemo {
  demo: DemoEnvironment;
  ctx: AppContext;
  /** A context with some settings changed (e.g. another engine, a broken URL). */
  contextWith(overrides: Record<string, string>): AppContext;
}

/**
 * The demo migration (small) on the test server with databases of its own and a temp data folder;
 * everything is dropped after the test file.
 */
export async function startTestDemo(options: { rows?: number; users?: number; files?: number } = {}): Promise<TestDemo> {
  const tag = randomBytes(4).toString("hex");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "mc-demo-"));
  const names = { metadata: `meta_${tag}`, source: `src_${tag}`, target: `tgt_${tag}` };
  const demo = await startDemoEnvironment({
    dataDir,
    adminUrl: adminUrl(),
    databaseNames: names,
    rows: options.rows ?? 600,
    users: options.users ?? 40,
    files: options.files ?? 12,
  });
  cleanups.push(async () => {
    await demo.stop();
    const { disconnectAll } = await import("../lib/db/client");
    await disconnectAll();
    const c = new pg.Client(adminUrl());
    await c.connect();
    try {
      const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`%${tag}%`]);
      for (const r of rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
    await rm(dataDir, { recursive: true, force: true });
  });
  const contextWith = (overrides: Record<string, string>) => createAppContext(envSchema.parse({ ...demo.env, ...overrides }));
  return { demo, ctx: contextWith({}), contextWith };
}

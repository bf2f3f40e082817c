/**
 * The demo migration for fault scenarios: the target migrated through app data (a real database of
 * tens of thousands of rows), plus one big storage file and one big config file so that each backup
 * and restore step lasts long enough to be interrupted in its middle.
 */
import path from "node:path";
import { startTestDemo, type TestDemo } from "../test/demo-fixture";
import { demoContextFor } from "../demo/demo-context";
import { runDemoStep } from "../demo/steps";
import type { AppContext } from "../lib/context";
import { writeBigFile } from "./helpers";

export interface FaultDemo {
  t: TestDemo;
  ctx: AppContext;
  /** The environment a child process needs to act on the same target as `ctx`. */
  env: Record<string, string>;
  bigFile: string;
  bigConfig: string;
  /** Size of the big storage file in MiB (the big config file is half of it). */
  bigMb: number;
  with(overrides: Record<string, string>): AppContext;
}

export async function startFaultDemo(options: { rows?: number; bigMb?: number } = {}): Promise<FaultDemo> {
  const t = await startTestDemo({ rows: options.rows ?? 10_000, users: 30, files: 8 });
  const demo = demoContextFor(t.demo);
  await runDemoStep("extract_schema", demo);
  await runDemoStep("migrate_data", demo);
  const bigFile = path.join(t.demo.storageDir, "uploads", "video.bin");
  const bigConfig = path.join(t.demo.configDir, "model-weights.bin");
  const bigMb = options.bigMb ?? 32;
  await writeBigFile(bigFile, bigMb);
  await writeBigFile(bigConfig, Math.round(bigMb / 2));
  const env = { ...t.demo.env, TARGET_CONFIG_PATHS: `${t.demo.env.TARGET_CONFIG_PATHS},${bigConfig}` };
  return { t, ctx: t.contextWith(env), env, bigFile, bigConfig, bigMb, with: (o) => t.contextWith({ ...env, ...o }) };
}

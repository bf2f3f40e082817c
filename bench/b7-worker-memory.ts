/** B7: peak RSS of a worker process validating the whole demo (data: every table; files: every object). */
import { spawn } from "node:child_process";
import path from "node:path";
import { fmtMs } from "./measure";
import type { BenchResult } from "./report";
import type { BenchEnv } from "./setup";

export interface WorkerRun {
  maxRssKb: number;
  ms: number;
  reports: { validator: string; status: string; critical: boolean }[];
}

/** Runs bench/validate-worker.ts in a process of its own with the demo's environment plus `overrides`. */
export function runValidateWorker(env: BenchEnv, overrides: Record<string, string>): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "validate-worker.ts")], {
      env: { ...process.env, ...env.demo.env, BACKUP_DIR: path.join(env.workDir, "backups"), ...overrides },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err = (err + c).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(line) as WorkerRun);
      } catch (e) {
        reject(new Error(`validate worker failed (${(e as Error).message}): ${err.trim()}`));
      }
    });
  });
}

export async function benchWorkerMemory(env: BenchEnv): Promise<BenchResult> {
  const run = await runValidateWorker(env, { BENCH_VALIDATORS: "data,files" });
  const mbPeak = run.maxRssKb / 1024;
  const passed = run.reports.every((r) => r.status === "passed");
  return {
    id: "B7",
    what: `peak RSS of the worker validating data (${env.dataset.appRowsTotal} app rows) and ${env.dataset.files} files`,
    ours: `${mbPeak.toFixed(0)} MB in ${fmtMs(run.ms)} (${run.reports.map((r) => `${r.validator} ${r.status}`).join(", ")})`,
    baseline: "—",
    ratio: null,
    ratioLabel: "—",
    goal: "≤ 300 MB; flat as rows grow (B8)",
    met: mbPeak <= 300 && passed,
    details: { ...run },
  };
}

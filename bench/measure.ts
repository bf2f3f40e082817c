/** Timing, process and memory helpers shared by the benchmarks (no product logic here). */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type pg from "pg";

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs ours and the baseline `reps` times, alternating (baseline first) so that neither always gets
 * the warmer cache; returns the medians.
 */
export async function compareRuns(
  reps: number,
  baseline: (rep: number) => Promise<unknown>,
  ours: (rep: number) => Promise<unknown>,
): Promise<{ oursMs: number; baselineMs: number; ratio: number; oursAll: number[]; baselineAll: number[] }> {
  const o: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    b.push((await timed(() => baseline(i))).ms);
    o.push((await timed(() => ours(i))).ms);
  }
  const oursMs = median(o);
  const baselineMs = median(b);
  return { oursMs, baselineMs, ratio: oursMs / baselineMs, oursAll: o, baselineAll: b };
}

/** Runs a command without a shell; rejects with its stderr tail on a non-zero exit. */
export function runCommand(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out = (out + c).slice(-64 * 1024)));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err = (err + c).slice(-8 * 1024)));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} exited with ${code}: ${err.trim()}`))));
  });
}

/** Private (anonymous) resident memory of a process in KiB, from /proc; 0 when unreadable. */
function rssAnonKb(pid: number): number {
  try {
    const m = /RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples the private memory of PostgreSQL backends while `fn` runs and returns the peak of their
 * sum (KiB) above what they held before. Shared buffers are excluded on purpose: both ways of
 * scanning touch them alike; what differs is what a backend allocates for itself (e.g. a string_agg).
 */
export async function withBackendMemory<T>(pids: number[], fn: () => Promise<T>): Promise<{ value: T; peakKb: number }> {
  const base = pids.map(rssAnonKb);
  let peak = 0;
  const sample = () => {
    const now = pids.reduce((s, pid, i) => s + Math.max(0, rssAnonKb(pid) - base[i]!), 0);
    peak = Math.max(peak, now);
  };
  const timer = setInterval(sample, 20);
  try {
    const value = await fn();
    sample();
    return { value, peakKb: peak };
  } finally {
    clearInterval(timer);
  }
}

export async function backendPid(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return rows[0]!.pid;
}

export const mb = (bytes: number) => bytes / 1024 / 1024;
export const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
export const fmtMb = (bytes: number) => `${mb(bytes).toFixed(1)} MB`;

/** Shared pieces of the fault-injection suite: child processes, waiting, big files, figures. */
import { afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, open, writeFile } from "node:fs/promises";
import path from "node:path";

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 90_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Child {
  process: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
  stderr(): string;
  stdout(): string;
}

/** Runs a TypeScript file as a process of its own (`node --import tsx`, so a kill hits it, not a wrapper). */
export function spawnTs(file: string, env: Record<string, string | undefined>): Child {
  const child = spawn(process.execPath, ["--import", "tsx", file], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  let out = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err = (err + c).slice(-8000)));
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out = (out + c).slice(-8000)));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
  return { process: child, exited, stderr: () => err, stdout: () => out };
}

/**
 * Freezes the child (SIGSTOP) the moment `isAt` holds, checks again while it cannot move (so the
 * kill really lands inside the step), then kill -9. Returns the time of the kill.
 */
export async function killWhen(child: Child, what: string, isAt: () => Promise<boolean>): Promise<number> {
  await until(what, async () => {
    if (child.process.exitCode !== null) throw new Error(`the child exited (${child.process.exitCode}) before ${what}: ${child.stderr()}`);
    return isAt();
  });
  child.process.kill("SIGSTOP");
  if (!(await isAt())) {
    child.process.kill("SIGKILL");
    throw new Error(`the step was over before the process could be frozen (${what}); the figures would be about another step`);
  }
  child.process.kill("SIGKILL");
  const at = Date.now();
  await child.exited;
  return at;
}

/** A file of `mb` MiB of random bytes (one random block repeated), e.g. to make a backup step last. */
export async function writeBigFile(file: string, mb: number, seed = randomBytes(1 << 20)): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const fh = await open(file, "w");
  try {
    for (let i = 0; i < mb; i++) await fh.write(seed);
  } finally {
    await fh.close();
  }
}

export interface Figure {
  scenario: string;
  outcome: string;
  /** From the fault to its detection (next start's recovery, or the failed operation's answer). */
  detectMs?: number;
  /** From the start of the recovery (resume, retry) to the target back at a known state. */
  recoverMs?: number;
  /** Fuzzing: bad inputs sent, and answers of 500 or more among them. */
  badInputs?: number;
  serverErrors?: number;
}

/** Figures of one test file, written to faults/results/<name>.json after the file (for the README table). */
export function figuresFile(name: string) {
  const rows: Figure[] = [];
  afterAll(async () => {
    const dir = path.join(import.meta.dirname, "results");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `${name}.json`), JSON.stringify({ ranAt: new Date().toISOString(), figures: rows }, null, 2) + "\n");
  });
  return { add: (f: Figure) => rows.push(f) };
}

/** Shared pieces of the fault-injection suite: child processes, waiting, big files, figures. */
import { afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, open, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
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
  const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
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
  return freezeAndKill(child, what, isAt);
}

async function freezeAndKill(child: Child, what: string, isAt: () => Promise<boolean>): Promise<number> {
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

const ROOT = path.join(import.meta.dirname, "..");
/** How long a job may go without a heartbeat before the watchdog takes its worker as gone (the least the worker accepts). */
export const STALE_AFTER_MS = 3_000;

export interface WorkerProcess extends Child {
  /** The id the worker writes on the jobs it claims (`host:pid`). */
  id: string;
}

/**
 * Job workers as production runs them: `npm run worker` processes (scripts/worker.ts), each with its
 * watchdog. The pool keeps `size` of them alive; a test kills the one that claimed a job (kill -9 of
 * its process, as the OOM killer or a crash would: its pg_dump children die with their broken pipes),
 * and a replacement starts while the others recover what it left.
 */
export function workerPool(size = 2) {
  let env: Record<string, string | undefined> = {};
  const alive = new Map<string, WorkerProcess>();
  const starting = new Set<Promise<WorkerProcess>>();

  async function startOne(): Promise<WorkerProcess> {
    const child = spawnTs(path.join(ROOT, "scripts", "worker.ts"), {
      ...env,
      WORKER_CONCURRENCY: "1",
      JOB_POLL_INTERVAL_MS: "200",
      JOB_STALE_AFTER_MS: String(STALE_AFTER_MS),
    });
    const worker: WorkerProcess = { ...child, id: `${hostname()}:${child.process.pid}` };
    await until("a worker to start", () => {
      if (child.process.exitCode !== null) throw new Error(`the worker exited (${child.process.exitCode}): ${child.stdout()}${child.stderr()}`);
      return /started: concurrency/.test(child.stdout());
    }, 60_000, 50);
    alive.set(worker.id, worker);
    return worker;
  }

  let startError: unknown = null;
  function replenish(): Promise<unknown> {
    const missing = size - alive.size - starting.size;
    for (let i = 0; i < missing; i++) {
      const p = startOne().finally(() => starting.delete(p));
      // A replacement that cannot start fails the next wait for a worker, with its output.
      p.catch((e: unknown) => (startError = e));
      starting.add(p);
    }
    return Promise.all([...starting]);
  }

  afterAll(async () => {
    await Promise.allSettled([...starting]);
    for (const w of alive.values()) w.process.kill("SIGTERM");
    await Promise.race([Promise.all([...alive.values()].map((w) => w.exited)), new Promise((r) => setTimeout(r, 15_000))]);
    for (const w of alive.values()) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill("SIGKILL");
  });

  return {
    /** Starts workers with `environment` (the app's, as the server has it) until `size` are running. */
    async start(environment: Record<string, string | undefined>) {
      env = environment;
      // The first creates pg-boss's queues; workers starting together on a fresh store can deadlock doing it.
      if (alive.size === 0) await startOne();
      await replenish();
    },
    /** The workers' output, for a failed assertion's message. */
    output: () => [...alive.values()].map((w) => `--- worker ${w.id}\n${w.stdout()}${w.stderr()}`).join("\n"),
    /**
     * Waits until `claimedBy()` names a live worker of the pool and `isAt()` holds, then freezes that
     * worker, checks again and kills it with SIGKILL; a replacement starts at once (not awaited).
     * Returns the time of the kill and the killed worker's id.
     */
    async killWhen(what: string, claimedBy: () => Promise<string | null | undefined>, isAt: () => Promise<boolean>) {
      const worker = await until(what, async () => {
        if (startError) throw startError;
        const id = await claimedBy();
        const w = id ? alive.get(id) : undefined;
        return w && (await isAt()) ? w : undefined;
      });
      const at = await freezeAndKill(worker, what, isAt);
      alive.delete(worker.id);
      void replenish();
      return { at, workerId: worker.id };
    },
  };
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
  /** From the fault to its detection (the watchdog acting on it, or the failed operation's answer). */
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

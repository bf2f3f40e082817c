import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { AppError } from "../domain/errors";

/**
 * bcrypt on worker threads of their own, a bounded number at once. bcrypt is meant to be slow
 * (~250 ms of CPU at cost 12); run on the event loop, a flood of sign-ins stalls every request of
 * the process, the job worker's included. Here a hash occupies one thread; at most `threads` run and
 * at most `queue` wait; any more are refused at once (AppError rate_limited, 429) instead of piling
 * up: a flood costs its sender refusals, not everyone else their latency.
 *
 * The thread's code is a string (no module for a bundler to move), and loads bcryptjs through
 * Node's own resolution from the process's folder, where the product's node_modules are.
 */
const THREAD_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createRequire } = require("node:module");
const bcrypt = createRequire(process.cwd() + "/").call(null, "bcryptjs");
let dummyHash;
parentPort.on("message", (m) => {
  try {
    let result;
    if (m.op === "hash") result = bcrypt.hashSync(m.password, m.rounds);
    else {
      // No hash to compare (unknown email, OIDC-only account): spend the same time, then fail.
      if (!m.hash) { dummyHash ??= bcrypt.hashSync("not-a-real-password-just-timing", m.rounds); bcrypt.compareSync(m.password, dummyHash); result = false; }
      else { try { result = bcrypt.compareSync(m.password, m.hash); } catch { result = false; } }
    }
    parentPort.postMessage({ id: m.id, result });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message) });
  }
});
`;

type Job = { op: "hash"; password: string; rounds: number } | { op: "compare"; password: string; hash: string | null; rounds: number };
interface Pending {
  job: Job;
  resolve(value: string | boolean): void;
  reject(e: Error): void;
}

export interface PasswordHashingPool {
  hash(password: string, rounds: number): Promise<string>;
  compare(password: string, hash: string | null, rounds: number): Promise<boolean>;
  /** Hashes running and waiting now. */
  load(): { running: number; waiting: number };
  close(): Promise<void>;
}

export interface PoolOptions {
  /** Hashes at once (threads). Default: the cores but one, at least one, at most two. */
  threads?: number;
  /** Hashes that may wait for a thread; any more are refused. */
  queue: number;
}

export const BUSY_MESSAGE = "The server is busy checking other passwords. Try again in a few seconds.";

export function createPasswordHashingPool(options: PoolOptions): PasswordHashingPool {
  const size = options.threads ?? Math.min(2, Math.max(1, availableParallelism() - 1));
  const idle: Worker[] = [];
  const all = new Set<Worker>();
  const waiting: Pending[] = [];
  const running = new Map<Worker, Pending>();
  let nextId = 0;

  const start = (): Worker => {
    const worker = new Worker(THREAD_SOURCE, { eval: true });
    worker.unref(); // an idle pool never keeps the process alive
    worker.on("message", (m: { result?: string | boolean; error?: string }) => {
      const done = running.get(worker);
      running.delete(worker);
      if (done) {
        if (m.error !== undefined) done.reject(new Error(`password hashing failed: ${m.error}`));
        else done.resolve(m.result!);
      }
      release(worker);
    });
    worker.on("error", (e) => {
      running.get(worker)?.reject(e);
      running.delete(worker);
      all.delete(worker);
    });
    worker.on("exit", () => {
      all.delete(worker);
      const i = idle.indexOf(worker);
      if (i >= 0) idle.splice(i, 1);
      // A thread that died leaves its place to a new one for whatever still waits.
      const next = waiting.shift();
      if (next) run(next);
    });
    all.add(worker);
    return worker;
  };

  const dispatch = (worker: Worker, p: Pending) => {
    running.set(worker, p);
    worker.ref(); // a hash under way keeps the process alive until it is answered
    worker.postMessage({ id: nextId++, ...p.job });
  };

  const release = (worker: Worker) => {
    const next = waiting.shift();
    if (next && all.has(worker)) dispatch(worker, next);
    else {
      worker.unref();
      if (all.has(worker)) idle.push(worker);
      if (next) run(next);
    }
  };

  const run = (p: Pending) => {
    const worker = idle.pop() ?? (all.size < size ? start() : undefined);
    if (worker) dispatch(worker, p);
    else if (waiting.length < options.queue) waiting.push(p);
    else p.reject(new AppError("rate_limited", BUSY_MESSAGE, { retryAfterSeconds: 2 }));
  };

  const submit = <T extends string | boolean>(job: Job) =>
    new Promise<T>((resolve, reject) => run({ job, resolve: resolve as (v: string | boolean) => void, reject }));

  return {
    hash: (password, rounds) => submit<string>({ op: "hash", password, rounds }),
    compare: (password, hash, rounds) => submit<boolean>({ op: "compare", password, hash, rounds }),
    load: () => ({ running: running.size, waiting: waiting.length }),
    async close() {
      for (const p of waiting.splice(0)) p.reject(new Error("the password hashing pool was closed"));
      await Promise.all([...all].map((w) => w.terminate()));
      idle.length = 0;
    },
  };
}

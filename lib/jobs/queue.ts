import { createHash } from "node:crypto";
import pg from "pg";
import PgBoss from "pg-boss";
import { z } from "zod";
import { JOB_KIND_DEFINITIONS, JOB_KINDS, type JobKind } from "../domain/job-kinds";

/**
 * Dispatch of jobs through pg-boss (PostgreSQL, the metadata store). Our `jobs` table stays the record
 * users read (status, progress, result); a pg-boss message only says "run job X". Its id is derived
 * from the job id and the attempt, so sending the same dispatch twice cannot queue it twice.
 */

/** Queue of "resume rollback R" messages: they carry a rollback id, not a job id. */
export const RESUME_ROLLBACK_QUEUE = "mc_resume_rollback";

/** Every queue the workers fetch from: one per job kind (lib/domain/job-kinds.ts), and the resumes. */
export const QUEUE_NAMES: string[] = [...JOB_KINDS.map((kind) => JOB_KIND_DEFINITIONS[kind].queue), RESUME_ROLLBACK_QUEUE];

export const jobMessageSchema = z.object({ jobId: z.string().uuid() });
export const resumeMessageSchema = z.object({ rollbackId: z.string().uuid() });

/** pg-boss settings of one message: retries exist only to wait for a busy target lock (see worker.ts). */
const SEND_OPTIONS: PgBoss.SendOptions = {
  retryLimit: 20,
  retryDelay: 15,
  // A backstop far beyond any job: our heartbeat reaper detects a dead worker within seconds.
  expireInHours: 12,
};

/** pg-boss id of the dispatch of `id` for its `attempt`: the id itself first, a derived UUID after. */
export function dispatchId(id: string, attempt = 0): string {
  if (attempt === 0) return id;
  const h = createHash("sha256").update(`${id}:${attempt}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type BossEntry = { boss: PgBoss; ready: Promise<PgBoss> };
const globalBosses = globalThis as unknown as { __mcBosses?: Map<string, BossEntry> };

/** One started pg-boss per metadata store and process (schema `pgboss`, created on first start). */
export function getBoss(metadataUrl: string): Promise<PgBoss> {
  const bosses = (globalBosses.__mcBosses ??= new Map());
  let entry = bosses.get(metadataUrl);
  if (!entry) {
    const boss = new PgBoss({
      connectionString: metadataUrl,
      schema: "pgboss",
      application_name: "mc-jobs",
      max: 4,
      maintenanceIntervalSeconds: 60,
    });
    boss.on("error", (e) => console.error(`[jobs] pg-boss: ${e.message}`));
    const ready = (async () => {
      await boss.start();
      await createMissingQueues(metadataUrl, boss);
      return boss;
    })();
    ready.catch(() => bosses.delete(metadataUrl));
    entry = { boss, ready };
    bosses.set(metadataUrl, entry);
  }
  return entry.ready;
}

/**
 * Creates the queues a new metadata database lacks. pg-boss attaches a partition of its job table per
 * queue, and two processes doing that at once deadlock (workers on several machines, or a worker and
 * the web process, started together): creation is serialised across processes by a session advisory
 * lock, held on a connection of its own and released when it closes.
 */
async function createMissingQueues(metadataUrl: string, boss: PgBoss): Promise<void> {
  const missing = async () => (await Promise.all(QUEUE_NAMES.map(async (name) => ((await boss.getQueue(name)) ? null : name)))).filter((n) => n !== null);
  if ((await missing()).length === 0) return;
  const lock = new pg.Client({ connectionString: metadataUrl, application_name: "mc-jobs" });
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext('migration-checkpoints: create pg-boss queues'))");
    // Another process may have created them while this one waited.
    for (const name of await missing()) await boss.createQueue(name, { name, policy: "standard" });
  } finally {
    await lock.end();
  }
}

/** Stops this process's pg-boss for the store (tests, shutdown). */
export async function stopBoss(metadataUrl: string): Promise<void> {
  const entry = globalBosses.__mcBosses?.get(metadataUrl);
  if (!entry) return;
  globalBosses.__mcBosses!.delete(metadataUrl);
  const boss = await entry.ready.catch(() => null);
  await boss?.stop({ graceful: false, wait: true, close: true }).catch(() => {});
}

const localListeners = new Set<() => void>();
/** Lets an in-process worker fetch at once what this process just sent (no wait for the next poll). */
export function onLocalDispatch(listener: () => void): () => void {
  localListeners.add(listener);
  return () => localListeners.delete(listener);
}

/**
 * Sends "run job X" for a job row the use case has just committed. Idempotent per (job, attempt).
 * Returns false when the message already existed.
 */
export async function dispatchJob(metadataUrl: string, job: { id: string; kind: JobKind; attempts?: number }): Promise<boolean> {
  const queue = JOB_KIND_DEFINITIONS[job.kind].queue;
  const boss = await getBoss(metadataUrl);
  const sent = await boss.send(queue, { jobId: job.id }, { ...SEND_OPTIONS, id: dispatchId(job.id, job.attempts ?? 0) });
  for (const l of localListeners) l();
  return sent !== null;
}

/** Sends "resume rollback R"; `attempt` makes one message per resume. */
export async function dispatchResume(metadataUrl: string, rollbackId: string, attempt: number): Promise<boolean> {
  const boss = await getBoss(metadataUrl);
  const sent = await boss.send(RESUME_ROLLBACK_QUEUE, { rollbackId }, { ...SEND_OPTIONS, id: dispatchId(rollbackId, attempt) });
  for (const l of localListeners) l();
  return sent !== null;
}

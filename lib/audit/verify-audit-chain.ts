import type { Db } from "../db/client";
import { checkAnchors, readAnchors, type AnchorStore, type AuditAnchor } from "./audit-anchors";
import type { BackupStoreConfig } from "../store/backup-store-config";
import { GENESIS_POSITION, walkChain, type ChainBreak, type ChainPosition } from "./audit-hash";
import { auditKeyRing, NO_AUDIT_KEY, type AuditKeyRing } from "../store/audit-keys";
import { readVerifiedHead, storeVerifiedHead } from "./verified-head";

export interface AuditChainReport {
  intact: boolean;
  /** full: every event from the first; incremental: the events after the last verified one. */
  mode: "full" | "incremental";
  /** Events whose link this run recomputed. */
  eventsChecked: number;
  /** Seq of the newest event (the chain's length when nothing was deleted). */
  headSeq: string | null;
  /** Incremental: the verified event this run continued from. */
  continuedFrom: { seq: string; verifiedAt: string } | null;
  /** Events 1…lastSeq are the unkeyed legacy prefix (written before the chain was keyed). */
  legacy: { count: number; lastSeq: string } | null;
  /** The newest anchor in the backup store, when one was read. */
  anchor: { seq: string; at: string } | null;
  anchorsChecked: number;
  firstBreak: ChainBreak | null;
  /** What limits the verdict: no audit key, no backup store given, no anchor yet. */
  notes: string[];
}

export interface VerifyOptions {
  /** Where the anchors are (BACKUP_DIR); without it the chain is verified without them. */
  backupDir?: string;
  /** With an S3 store (BACKUP_STORE_URL), the anchors in its bucket are read too. */
  backupStore?: BackupStoreConfig;
  keys?: AuditKeyRing;
  pageSize?: number;
  /** Save the head reached as the last verified position (needs a key). */
  remember?: boolean;
}

/** Re-computes the whole chain, page by page (bounded memory), and checks every anchor: `audit:verify --full`. */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<AuditChainReport> {
  const keys = options.keys ?? auditKeyRing();
  const read = options.backupDir ? await readAnchors(anchorStoreOf(options), keys) : null;
  const keyedFrom = minKeyedFrom(read?.anchors ?? []);
  return verifyFrom(db, { ...GENESIS_POSITION, keyedFrom }, null, read, keys, "full", options);
}

/**
 * What /audit shows on each view: the events after the last verified position only, the position itself
 * (still there, unchanged), the newest anchor and any anchor written since. A change to an event before
 * the position is found by a full verification (`npm run audit:verify -- --full`), not here.
 */
export async function verifyAuditChainIncrementally(db: Db, options: VerifyOptions = {}): Promise<AuditChainReport> {
  const keys = options.keys ?? auditKeyRing();
  const stored = keys.current ? await readVerifiedHead(db, keys) : { head: null, forged: false };
  if (!stored.head) {
    const report = await verifyAuditChain(db, { ...options, keys, remember: true });
    if (stored.forged) report.notes.push("The stored verified position is not signed by this server: the chain was verified in full.");
    return report;
  }
  const head = stored.head;
  const read = options.backupDir ? await readAnchors(anchorStoreOf(options), keys, { newerThan: head.prevSeq, newest: true }) : null;
  const pinned = await db.auditEvent.findUnique({ where: { seq: head.prevSeq }, select: { id: true, hash: true } });
  const continuedFrom = { seq: head.prevSeq.toString(), verifiedAt: head.verifiedAt.toISOString() };
  if (!pinned || pinned.hash !== head.prevHash) {
    const headSeq = await newestSeq(db);
    const brk: ChainBreak = pinned
      ? { seq: continuedFrom.seq, id: pinned.id, kind: "verified_event_changed", message: `audit event ${head.prevSeq}, verified intact at ${continuedFrom.verifiedAt}, was changed since` }
      : headSeq === null || headSeq < head.prevSeq
        ? {
            seq: continuedFrom.seq,
            id: null,
            kind: "truncated",
            message: `audit event(s) ${(headSeq ?? 0n) + 1n}…${head.prevSeq} are missing: the chain ends before event ${head.prevSeq}, verified intact at ${continuedFrom.verifiedAt} (the newest events were deleted)`,
          }
        : { seq: continuedFrom.seq, id: null, kind: "missing_event", message: `audit event ${head.prevSeq}, verified intact at ${continuedFrom.verifiedAt}, is missing (deleted?)` };
    return report(db, { mode: "incremental", eventsChecked: 0, headSeq, continuedFrom, keyedFrom: head.keyedFrom, read, firstBreak: brk, keys });
  }
  return verifyFrom(db, { ...head, keyedFrom: head.keyedFrom ?? minKeyedFrom(read?.anchors ?? []) }, continuedFrom, read, keys, "incremental", { ...options, remember: true });
}

async function verifyFrom(
  db: Db,
  start: ChainPosition,
  continuedFrom: AuditChainReport["continuedFrom"],
  read: Awaited<ReturnType<typeof readAnchors>> | null,
  keys: AuditKeyRing,
  mode: AuditChainReport["mode"],
  options: VerifyOptions,
): Promise<AuditChainReport> {
  const pageSize = options.pageSize ?? 1000;
  let position = start;
  let checked = 0;
  let firstBreak: ChainBreak | null = null;
  for (;;) {
    const page = await db.auditEvent.findMany({
      where: position.prevSeq === null ? {} : { seq: { gt: position.prevSeq } },
      orderBy: { seq: "asc" },
      take: pageSize,
    });
    if (page.length === 0) break;
    const walked = walkChain(page, position, keys);
    position = walked.position;
    if (walked.break) {
      firstBreak = walked.break;
      checked += page.findIndex((e) => String(e.seq) === walked.break!.seq) + 1;
      break;
    }
    checked += page.length;
  }
  const headSeq = firstBreak ? await newestSeq(db) : position.prevSeq;
  firstBreak ??= read?.problems[0] ?? (read ? await checkAnchors(db, read.anchors, headSeq) : null);
  if (!firstBreak && options.remember && keys.current && position.prevSeq !== null) {
    // A cache: a concurrent view storing the same or an older position is harmless.
    await storeVerifiedHead(db, keys.current, { ...position, prevSeq: position.prevSeq }).catch(() => {});
  }
  return report(db, { mode, eventsChecked: checked, headSeq, continuedFrom, keyedFrom: position.keyedFrom, read, firstBreak, keys });
}

async function report(
  db: Db,
  r: {
    mode: AuditChainReport["mode"];
    eventsChecked: number;
    headSeq: bigint | null;
    continuedFrom: AuditChainReport["continuedFrom"];
    keyedFrom: bigint | null;
    read: Awaited<ReturnType<typeof readAnchors>> | null;
    firstBreak: ChainBreak | null;
    keys: AuditKeyRing;
  },
): Promise<AuditChainReport> {
  const notes: string[] = [];
  if (!r.keys.current) notes.push(NO_AUDIT_KEY);
  if (!r.read) notes.push("The anchors in the backup store were not checked (no BACKUP_DIR): deleting the newest events cannot be detected.");
  else if (r.read.anchors.length === 0 && r.read.problems.length === 0 && r.headSeq !== null) {
    notes.push("No anchor yet (one is written after every checkpoint, validation and rollback): deleting the newest events cannot be detected until then.");
  }
  // Without a keyed event the whole chain read so far is legacy; the prefix ends before the first keyed one.
  const lastLegacy = r.keyedFrom !== null ? r.keyedFrom - 1n : r.headSeq ?? 0n;
  const newest = newestAnchor(r.read?.anchors ?? []);
  return {
    intact: r.firstBreak === null,
    mode: r.mode,
    eventsChecked: r.eventsChecked,
    headSeq: r.headSeq?.toString() ?? null,
    continuedFrom: r.continuedFrom,
    legacy: lastLegacy > 0n ? { count: Number(lastLegacy), lastSeq: lastLegacy.toString() } : null,
    anchor: newest ? { seq: newest.seq.toString(), at: newest.at } : null,
    anchorsChecked: r.read?.anchors.length ?? 0,
    firstBreak: r.firstBreak,
    notes,
  };
}

function anchorStoreOf(options: VerifyOptions): AnchorStore {
  return { backupDir: options.backupDir!, backupStore: options.backupStore };
}

async function newestSeq(db: Db): Promise<bigint | null> {
  return (await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ?? null;
}

function minKeyedFrom(anchors: readonly AuditAnchor[]): bigint | null {
  return anchors.reduce<bigint | null>((min, a) => (a.keyedFrom !== null && (min === null || a.keyedFrom < min) ? a.keyedFrom : min), null);
}

function newestAnchor(anchors: readonly AuditAnchor[]): AuditAnchor | undefined {
  return anchors.reduce<AuditAnchor | undefined>((best, a) => (!best || a.seq > best.seq ? a : best), undefined);
}

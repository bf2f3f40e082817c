import { createHmac, timingSafeEqual } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Db } from "../db/client";
import { writeFileAtomic } from "../store/atomic-write";
import { KEYED_CHAIN_VERSION, type ChainBreak } from "./audit-hash";
import { auditKeyRing, type AuditKeyRing } from "../store/audit-keys";
import type { BackupStoreConfig } from "../store/backup-store-config";
import { sharedS3BlobMedium } from "../store/s3-blob-medium";

/**
 * Anchors of the audit chain outside the database: small files in the backup store, each the chain's
 * head (seq and link) at one moment, MAC'd with the audit key. Whoever owns the database can delete
 * the newest events, or rewrite the whole chain unkeyed; neither survives a comparison with an anchor
 * written before. Written after every job (checkpoint, validation, verification, rollback).
 *
 * Where: the folder BACKUP_DIR/audit-anchors always; with an S3 store (BACKUP_STORE_URL) also the
 * bucket's records `audit-anchors/head-<seq>.json`, so a worker on another machine (another BACKUP_DIR)
 * checks the anchors every worker wrote. A verification reads both places.
 */
export const ANCHORS_FOLDER = "audit-anchors";
const FILE = /^head-(\d{20})\.json$/;

const anchorFileSchema = z.object({
  format: z.literal("audit-anchor/1"),
  seq: z.string().regex(/^\d+$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string(),
  keyedFrom: z.string().regex(/^\d+$/).nullable(),
  macKeyId: z.string(),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});

export interface AuditAnchor {
  seq: bigint;
  hash: string;
  at: string;
  /** The first keyed event when the anchor was written: events from there on must be keyed. */
  keyedFrom: bigint | null;
  /** The file's name in the anchors folder. */
  file: string;
}

export function anchorsDir(backupDir: string): string {
  return path.join(backupDir, ANCHORS_FOLDER);
}

function anchorMac(key: Buffer, a: { seq: string; hash: string; at: string; keyedFrom: string | null; macKeyId: string }): string {
  return createHmac("sha256", key).update(`audit-anchor/1\n${a.macKeyId}\n${a.seq}\n${a.hash}\n${a.at}\n${a.keyedFrom ?? ""}`).digest("hex");
}

export function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The backup store the anchors go to: the folder BACKUP_DIR, and the bucket when BACKUP_STORE_URL names one. */
export type AnchorStore = string | { backupDir: string; backupStore?: BackupStoreConfig };

/** One place anchors are kept: the folder, or the S3 store's records. */
interface AnchorPlace {
  list(): Promise<string[]>;
  read(name: string): Promise<Buffer | undefined>;
  write(name: string, data: Buffer): Promise<void>;
}

function folderPlace(backupDir: string): AnchorPlace {
  const dir = anchorsDir(backupDir);
  return {
    async list() {
      try {
        return await fs.readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw e;
      }
    },
    read: (name) => fs.readFile(path.join(dir, name)).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? undefined : Promise.reject(e))),
    async write(name, data) {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(path.join(dir, name), data, { mode: 0o600 });
    },
  };
}

/** The anchors as records of an S3 store: `records/audit-anchors/<file>` under the store's prefix. */
function s3Place(config: Extract<BackupStoreConfig, { kind: "s3" }>): AnchorPlace {
  const medium = sharedS3BlobMedium(config);
  const prefix = `${ANCHORS_FOLDER}/`;
  return {
    async list() {
      const names: string[] = [];
      for await (const name of medium.listRecords(prefix)) names.push(name.slice(prefix.length));
      return names;
    },
    read: (name) => medium.readRecord(prefix + name),
    write: (name, data) => medium.replaceRecord(prefix + name, data),
  };
}

function placesOf(store: AnchorStore): AnchorPlace[] {
  const { backupDir, backupStore } = typeof store === "string" ? { backupDir: store, backupStore: undefined } : store;
  return backupStore?.kind === "s3" ? [folderPlace(backupDir), s3Place(backupStore)] : [folderPlace(backupDir)];
}

/**
 * Writes the chain's current head as an anchor: a file (atomically, 0600 in a 0700 folder) and, with
 * an S3 store, a record in the bucket. Null when there is nothing to anchor: an empty chain, or no
 * audit key to sign with.
 */
export async function anchorAuditHead(db: Db, store: AnchorStore, keys: AuditKeyRing = auditKeyRing()): Promise<AuditAnchor | null> {
  const key = keys.current;
  if (!key) return null;
  const head = await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  if (!head) return null;
  const firstKeyed = await db.auditEvent.findFirst({ where: { chainVersion: KEYED_CHAIN_VERSION }, orderBy: { seq: "asc" }, select: { seq: true } });
  const body = { seq: head.seq.toString(), hash: head.hash, at: new Date().toISOString(), keyedFrom: firstKeyed?.seq.toString() ?? null, macKeyId: key.id };
  const file = `head-${body.seq.padStart(20, "0")}.json`;
  const data = Buffer.from(JSON.stringify({ format: "audit-anchor/1", ...body, mac: anchorMac(key.key, body) }, null, 2) + "\n");
  for (const place of placesOf(store)) await place.write(file, data);
  return { seq: head.seq, hash: head.hash, at: body.at, keyedFrom: firstKeyed?.seq ?? null, file };
}

/** Anchoring after an operation must never fail the operation: a failure is logged, and audit:verify says what it finds. */
export async function anchorAuditHeadQuietly(db: Db, store: AnchorStore): Promise<void> {
  await anchorAuditHead(db, store).catch((e) => console.error(`audit: could not write the chain's anchor: ${e instanceof Error ? e.message : String(e)}`));
}

export interface AnchorRead {
  /** Valid anchors, oldest first. */
  anchors: AuditAnchor[];
  /** Anchor files that are not what this server signed: forged, damaged or signed with a key it lacks. */
  problems: ChainBreak[];
}

/**
 * The anchors in the backup store (the folder, and the bucket with an S3 store); `newerThan`/`newest`
 * limit which files are read (incremental checks). An anchor kept in both places is read from each.
 */
export async function readAnchors(store: AnchorStore, keys: AuditKeyRing, options: { newerThan?: bigint; newest?: boolean } = {}): Promise<AnchorRead> {
  const files: { name: string; seq: bigint; place: AnchorPlace }[] = [];
  for (const place of placesOf(store)) {
    for (const name of await place.list()) {
      const m = FILE.exec(name);
      if (m) files.push({ name, seq: BigInt(m[1]!), place });
    }
  }
  const all = files.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  const newestSeq = all.at(-1)?.seq;
  const limited = options.newerThan !== undefined || options.newest;
  const selected = limited ? all.filter((f) => (options.newerThan !== undefined && f.seq > options.newerThan) || (options.newest && f.seq === newestSeq)) : all;
  const read: AnchorRead = { anchors: [], problems: [] };
  for (const f of selected) {
    const problem = (message: string) => read.problems.push({ seq: f.seq.toString(), id: null, kind: "anchor_mismatch", message: `anchor ${f.name}: ${message}` });
    let parsed: z.infer<typeof anchorFileSchema>;
    try {
      const bytes = await f.place.read(f.name);
      if (!bytes) {
        problem("vanished while it was read");
        continue;
      }
      const result = anchorFileSchema.safeParse(JSON.parse(bytes.toString("utf8")));
      if (!result.success) {
        problem("is not an anchor file (damaged?)");
        continue;
      }
      parsed = result.data;
    } catch {
      problem("is not readable JSON (damaged?)");
      continue;
    }
    const key = keys.byId.get(parsed.macKeyId);
    if (!key) {
      read.problems.push({ seq: parsed.seq, id: null, kind: "unknown_key", message: `anchor ${f.name} is signed with key ${parsed.macKeyId}, which this server is not given` });
      continue;
    }
    if (BigInt(parsed.seq) !== f.seq || !macEquals(anchorMac(key.key, parsed), parsed.mac)) {
      problem("its signature does not match (forged or edited)");
      continue;
    }
    read.anchors.push({ seq: BigInt(parsed.seq), hash: parsed.hash, at: parsed.at, keyedFrom: parsed.keyedFrom === null ? null : BigInt(parsed.keyedFrom), file: f.name });
  }
  return read;
}

/**
 * Each anchor against the chain: the event it names must be there with the link it recorded. A head
 * below an anchor means the newest events were deleted (detected back to that anchor).
 */
export async function checkAnchors(db: Db, anchors: readonly AuditAnchor[], headSeq: bigint | null): Promise<ChainBreak | null> {
  if (anchors.length === 0) return null;
  const events = await db.auditEvent.findMany({ where: { seq: { in: anchors.map((a) => a.seq) } }, select: { seq: true, id: true, hash: true } });
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  for (const a of [...anchors].sort((x, y) => (x.seq < y.seq ? -1 : 1))) {
    const e = bySeq.get(a.seq);
    if (!e) {
      if (headSeq === null || headSeq < a.seq) {
        const from = (headSeq ?? 0n) + 1n;
        return { seq: a.seq.toString(), id: null, kind: "truncated", message: `audit event(s) ${from}…${a.seq} are missing: the chain ends before its head anchored at ${a.at} (the newest events were deleted)` };
      }
      return { seq: a.seq.toString(), id: null, kind: "missing_event", message: `audit event ${a.seq}, anchored at ${a.at}, is missing (deleted?)` };
    }
    if (e.hash !== a.hash) {
      return { seq: a.seq.toString(), id: e.id, kind: "anchor_mismatch", message: `audit event ${a.seq} is not the event anchored at ${a.at} (the chain was rewritten)` };
    }
  }
  return null;
}

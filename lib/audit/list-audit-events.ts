import type { Db } from "../db/client";
import type { AuditEvent, Prisma } from "../db/generated/client";
import type { AppContext } from "../context";
import type { AuditFilter } from "../domain/audit-filter";
import { AUDIT_ACTION_NAMES } from "../domain/audit-actions";
import { AUDIT_PAGE_SIZE } from "../ui/audit-params";
import { eventLinkMatches, GENESIS_HASH, KEYED_CHAIN_VERSION } from "./audit-hash";
import { auditKeyRing } from "../store/audit-keys";
import { auditValuesReadBy, type AuditValueReader } from "./audit-values-for-role";
import { mayReadRowValues } from "../domain/diff-visibility";

/**
 * Prisma `where` of the audit filter (lib/domain/audit-filter.ts: action exact, actor a
 * case-insensitive part, [from, to)); shared by the list, its export and the permalink neighbours.
 */
export function auditWhere(f: AuditFilter): Prisma.AuditEventWhereInput {
  return {
    ...(f.checkpointId ? { checkpointId: f.checkpointId } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.actor ? { actor: { contains: f.actor, mode: "insensitive" } } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { gte: new Date(f.from) } : {}), ...(f.to ? { lt: new Date(f.to) } : {}) } } : {}),
  };
}

/** One audit event as the pages and the API list it; plain JSON only. */
export interface AuditEventView {
  /** Position in the hash chain, as a string (BigInt is not JSON-safe). */
  seq: string;
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  checkpointId: string | null;
  result: string;
}

/** An audit event with every stored field, JSON-safe (what the API returns and the page lists). */
export interface AuditEventRecord extends AuditEventView {
  actorRole: string | null;
  origin: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

export interface AuditEventList {
  items: AuditEventRecord[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * The audit trail, newest first, filtered: the one read behind `GET /migration/audit` and the
 * `/audit` page, read by a caller of `role` (the texts in before/after follow the row-value rule:
 * lib/audit/audit-values-for-role.ts). An offset past the end gives no items (the page asks for its
 * last page instead).
 */
export async function listAuditEvents(
  ctx: Pick<AppContext, "db">,
  filter: AuditFilter,
  window: { limit: number; offset: number },
  role: string | null | undefined,
): Promise<AuditEventList> {
  const where = auditWhere(filter);
  const [rows, total] = await Promise.all([
    ctx.db.auditEvent.findMany({ where, orderBy: { seq: "desc" }, skip: window.offset, take: window.limit }),
    ctx.db.auditEvent.count({ where }),
  ]);
  const read = await auditReaderFor(ctx.db, role, rows);
  return { items: rows.map((e) => toAuditEventRecord(e, read)), total, limit: window.limit, offset: window.offset };
}

/** An event's before/after as the caller reads them, with the names of the events' checkpoints kept. */
export interface AuditEventReader {
  before(e: Pick<AuditEvent, "before" | "checkpointId">): unknown;
  after(e: Pick<AuditEvent, "after" | "checkpointId">): unknown;
}

/** The reader for `role` over these events (one query for their checkpoints' names, none for an operator or admin). */
export async function auditReaderFor(db: Db, role: string | null | undefined, events: readonly Pick<AuditEvent, "checkpointId">[]): Promise<AuditEventReader> {
  const values = auditValuesReadBy(role);
  const ids = [...new Set(events.map((e) => e.checkpointId).filter((id): id is string => id !== null))];
  const names = new Map<string, string>();
  if (!mayReadRowValues(role) && ids.length) {
    for (const c of await db.checkpoint.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })) names.set(c.id, c.name);
  }
  return readerWith(values, (id) => (id ? names.get(id) : undefined));
}

function readerWith(values: AuditValueReader, nameOf: (checkpointId: string | null) => string | null | undefined): AuditEventReader {
  return {
    before: (e) => values.json(e.before, [nameOf(e.checkpointId)]),
    after: (e) => values.json(e.after, [nameOf(e.checkpointId)]),
  };
}

export interface AuditListView {
  events: AuditEventRecord[];
  total: number;
  page: number;
  pageCount: number;
  pageSize: number;
}

/** The dashboard's paging of listAuditEvents: page N of `pageSize`; a page past the end shows the last page. */
export async function listAuditEventsPage(
  ctx: Pick<AppContext, "db">,
  params: AuditFilter & { page: number },
  role: string | null | undefined,
  pageSize = AUDIT_PAGE_SIZE,
): Promise<AuditListView> {
  let list = await listAuditEvents(ctx, params, { limit: pageSize, offset: (params.page - 1) * pageSize }, role);
  const pageCount = Math.max(1, Math.ceil(list.total / pageSize));
  const page = Math.min(params.page, pageCount);
  if (page !== params.page) list = await listAuditEvents(ctx, params, { limit: pageSize, offset: (page - 1) * pageSize }, role);
  return { events: list.items, total: list.total, page, pageCount, pageSize };
}

function toAuditEventRecord(e: AuditEvent, read: AuditEventReader): AuditEventRecord {
  return {
    ...toAuditEventView(e),
    actorRole: e.actorRole,
    origin: e.origin,
    before: read.before(e),
    after: read.after(e),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/**
 * The actions the filter's drop-down offers: the product's vocabulary (lib/domain/audit-actions.ts),
 * and any other name already stored (written by an earlier version), sorted.
 */
export async function listAuditActions(db: Db): Promise<string[]> {
  const rows = await db.auditEvent.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } });
  return [...new Set<string>([...AUDIT_ACTION_NAMES, ...rows.map((r) => r.action)])].sort();
}

export interface AuditEventDetail extends AuditEventView {
  actorRole: string | null;
  origin: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
  /** The stored hash equals the one recomputed from the stored fields. */
  hashValid: boolean;
  /** Keyed (HMAC under the audit key) or an unkeyed legacy event from before the chain was keyed. */
  keyed: boolean;
  /** prevHash equals the previous event's hash (or the genesis hash for the first event). */
  linkValid: boolean;
  previous: { id: string; seq: string } | null;
  next: { id: string; seq: string } | null;
  checkpointName: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One audit event for its permalink page, with its chain neighbours, read by a caller of `role` (as
 * listAuditEvents reads it; the chain is checked on the stored fields); null for an unknown id.
 */
export async function getAuditEvent(db: Db, id: string, role: string | null | undefined): Promise<AuditEventDetail | null> {
  if (!UUID.test(id)) return null;
  const e = await db.auditEvent.findUnique({ where: { id } });
  if (!e) return null;
  const [previous, next, checkpoint] = await Promise.all([
    db.auditEvent.findFirst({ where: { seq: { lt: e.seq } }, orderBy: { seq: "desc" }, select: { id: true, seq: true, hash: true } }),
    db.auditEvent.findFirst({ where: { seq: { gt: e.seq } }, orderBy: { seq: "asc" }, select: { id: true, seq: true } }),
    e.checkpointId ? db.checkpoint.findUnique({ where: { id: e.checkpointId }, select: { name: true } }) : null,
  ]);
  const read = readerWith(auditValuesReadBy(role), () => checkpoint?.name);
  return {
    ...toAuditEventView(e),
    actorRole: e.actorRole,
    origin: e.origin,
    before: read.before(e),
    after: read.after(e),
    prevHash: e.prevHash,
    hash: e.hash,
    // Keyed events by their MAC, legacy ones by the public hash; a key this server lacks is not "valid".
    hashValid: eventLinkMatches(e, auditKeyRing()) === true,
    keyed: e.chainVersion === KEYED_CHAIN_VERSION,
    linkValid: e.prevHash === (previous?.hash ?? GENESIS_HASH),
    previous: previous ? { id: previous.id, seq: previous.seq.toString() } : null,
    next: next ? { id: next.id, seq: next.seq.toString() } : null,
    checkpointName: checkpoint?.name ?? null,
  };
}

export function toAuditEventView(e: {
  seq: bigint;
  id: string;
  at: Date;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  checkpointId: string | null;
  result: string;
}): AuditEventView {
  return {
    seq: e.seq.toString(),
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    checkpointId: e.checkpointId,
    result: e.result,
  };
}

import type { Db } from "../db/client";
import type { Prisma } from "../db/generated/client";
import type { Phase } from "../domain/phases";
import type { CheckpointStatus } from "../domain/checkpoint-status";
import { PAGE_SIZE, pageCount, type CheckpointListParams, type CheckpointSort } from "../ui/checkpoint-list-params";
import type { TableFigures } from "../ui/table-comparison";
import { normalizeQualifiedName } from "../domain/qualified-name";
import type { ResultReader } from "./read-validation-diff";

/** A checkpoint as a row of the list page (JSON-safe). */
export interface CheckpointRow {
  id: string;
  name: string;
  description: string | null;
  phase: Phase;
  status: CheckpointStatus;
  createdBy: string;
  createdAt: string;
  validatedAt: string | null;
  isSafety: boolean;
  /** Sum of the sizes of its backups; null when it has none. */
  sizeBytes: number | null;
}

export interface CheckpointListView {
  rows: CheckpointRow[];
  total: number;
  page: number;
  pageCount: number;
  pageSize: number;
}

const ORDER: Record<CheckpointSort, Prisma.CheckpointOrderByWithRelationInput[]> = {
  newest: [{ createdAt: "desc" }, { name: "asc" }],
  oldest: [{ createdAt: "asc" }, { name: "asc" }],
  name: [{ name: "asc" }],
  // Enum order in Postgres is declaration order, i.e. phase order.
  phase: [{ phase: "asc" }, { createdAt: "desc" }],
};

/** One page of checkpoints for the list page, filtered and sorted as the URL says. */
export async function listCheckpointsView(db: Db, params: CheckpointListParams): Promise<CheckpointListView> {
  const where: Prisma.CheckpointWhereInput = {
    ...(params.phase ? { phase: params.phase } : {}),
    ...(params.status ? { status: params.status } : {}),
    ...(params.q ? { name: { contains: params.q, mode: "insensitive" } } : {}),
  };
  const total = await db.checkpoint.count({ where });
  const pages = pageCount(total);
  // A page past the end (stale link after deletions) shows the last page rather than nothing.
  const page = Math.min(params.page, pages);
  const rows = await db.checkpoint.findMany({
    where,
    orderBy: ORDER[params.sort],
    skip: (page - 1) * PAGE_SIZE,
    take: PAGE_SIZE,
    include: { backups: { select: { sizeBytes: true } } },
  });
  return {
    rows: rows.map((c) => ({
      id: c.id,
      name: c.name,
      description: c.description,
      phase: c.phase,
      status: c.status,
      createdBy: c.createdBy,
      createdAt: c.createdAt.toISOString(),
      validatedAt: c.validatedAt?.toISOString() ?? null,
      isSafety: c.isSafety,
      sizeBytes: c.backups.length ? c.backups.reduce((n, b) => n + Number(b.sizeBytes), 0) : null,
    })),
    total,
    page,
    pageCount: pages,
    pageSize: PAGE_SIZE,
  };
}

export interface BackupView {
  id: string;
  component: string;
  engine: string;
  status: string;
  location: string | null;
  manifestChecksum: string | null;
  sizeBytes: number;
  newBytes: number;
  fileCount: number;
  error: string | null;
  completedAt: string | null;
  durationMs: number | null;
}

export interface ValidationRunView {
  id: string;
  phase: Phase;
  status: string;
  triggeredBy: string;
  startedAt: string;
  finishedAt: string | null;
  summary: string | null;
  results: {
    id: string;
    validator: string;
    status: string;
    critical: boolean;
    checks: unknown;
    hasDiff: boolean;
    /**
     * The integrity diff as this caller may read it (lib/checkpoints/read-validation-diff.ts): with row
     * values for operators and admins, without them (`withheld`) for viewers, `{unreadable}` without the key.
     */
    diff: unknown;
    durationMs: number;
  }[];
}

export interface CheckpointDetailView extends Omit<CheckpointRow, "sizeBytes"> {
  targetKey: string;
  completedAt: string | null;
  activatedAt: string | null;
  supersededAt: string | null;
  failedAt: string | null;
  failureReason: string | null;
  drillStatus: string;
  drilledAt: string | null;
  drillDetail: string | null;
  backups: BackupView[];
  tables: TableFigures[];
  metadata: {
    usersTotal: number;
    usersMigrated: number;
    filesTotal: number;
    filesMigrated: number;
    bytesTotal: number;
    bytesMigrated: number;
    timings: Record<string, number>;
    collectedAt: string;
  } | null;
  validationRuns: ValidationRunView[];
  /** Jobs of this checkpoint still queued or running (so the page can follow them after a reload). */
  activeJobs: { id: string; kind: string; status: string }[];
}

export interface CheckpointViewOptions {
  /** How this caller reads stored diffs: `resultReaderFor(ctx, role)`, the one read path the API shares. */
  readResult: ResultReader;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPONENT_ORDER = ["database", "storage", "config"];
const MAX_RUNS = 20;

/** Everything the checkpoint page shows; null for an unknown or malformed id (the page shows 404). */
export async function getCheckpointView(db: Db, id: string, options: CheckpointViewOptions): Promise<CheckpointDetailView | null> {
  if (!UUID.test(id)) return null;
  const c = await db.checkpoint.findUnique({
    where: { id },
    include: {
      backups: true,
      tables: { orderBy: { targetTable: "asc" } },
      metadata: true,
      validationRuns: { orderBy: { startedAt: "desc" }, take: MAX_RUNS, include: { results: { orderBy: { validator: "asc" } } } },
    },
  });
  if (!c) return null;
  const jobs = await db.job.findMany({
    where: { checkpointId: id, status: { in: ["queued", "running"] } },
    orderBy: { createdAt: "asc" },
    select: { id: true, kind: true, status: true },
  });
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    phase: c.phase,
    status: c.status,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    validatedAt: iso(c.validatedAt),
    isSafety: c.isSafety,
    targetKey: c.targetKey,
    completedAt: iso(c.completedAt),
    activatedAt: iso(c.activatedAt),
    supersededAt: iso(c.supersededAt),
    failedAt: iso(c.failedAt),
    failureReason: c.failureReason,
    drillStatus: c.drillStatus,
    drilledAt: iso(c.drilledAt),
    drillDetail: c.drillDetail,
    backups: c.backups
      .map((b) => ({
        id: b.id,
        component: b.component,
        engine: b.engine,
        status: b.status,
        location: b.location,
        manifestChecksum: b.manifestChecksum,
        sizeBytes: Number(b.sizeBytes),
        newBytes: Number(b.newBytes),
        fileCount: b.fileCount,
        error: b.error,
        completedAt: iso(b.completedAt),
        durationMs: b.durationMs,
      }))
      .sort((a, b) => COMPONENT_ORDER.indexOf(a.component) - COMPONENT_ORDER.indexOf(b.component)),
    tables: c.tables.map((t) => ({
      // Names recorded before quoting existed are shown in today's notation, as the diffs name them.
      sourceTable: normalizeQualifiedName(t.sourceTable),
      targetTable: normalizeQualifiedName(t.targetTable),
      sourceRowCount: toNumber(t.sourceRowCount),
      targetRowCount: toNumber(t.targetRowCount),
      sourceChecksum: t.sourceChecksum,
      targetChecksum: t.targetChecksum,
    })),
    metadata: c.metadata
      ? {
          usersTotal: c.metadata.usersTotal,
          usersMigrated: c.metadata.usersMigrated,
          filesTotal: c.metadata.filesTotal,
          filesMigrated: c.metadata.filesMigrated,
          bytesTotal: Number(c.metadata.bytesTotal),
          bytesMigrated: Number(c.metadata.bytesMigrated),
          timings: readTimings(c.metadata.timings),
          collectedAt: c.metadata.collectedAt.toISOString(),
        }
      : null,
    validationRuns: c.validationRuns.map((r) => ({
      id: r.id,
      phase: r.phase,
      status: r.status,
      triggeredBy: r.triggeredBy,
      startedAt: r.startedAt.toISOString(),
      finishedAt: iso(r.finishedAt),
      summary: r.summary,
      results: r.results.map((v) => ({
        id: v.id,
        validator: v.validator,
        status: v.status,
        critical: v.critical,
        checks: options.readResult.checks(v.checks) as typeof v.checks,
        hasDiff: v.diff !== null,
        diff: options.readResult.diff(v.diff, v.validator),
        durationMs: v.durationMs,
      })),
    })),
    activeJobs: jobs,
  };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function toNumber(v: bigint | null): number | null {
  return v === null ? null : Number(v);
}

/** Timings in component order (JSONB does not keep key order), then any other step by name. */
function readTimings(value: unknown): Record<string, number> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  const rank = (k: string) => (COMPONENT_ORDER.includes(k) ? COMPONENT_ORDER.indexOf(k) : COMPONENT_ORDER.length);
  return Object.fromEntries(
    Object.entries(value)
      .filter((e): e is [string, number] => typeof e[1] === "number")
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)),
  );
}

import type { AppContext } from "../context";
import { listCheckpoints } from "./list-checkpoints";
import type { Phase } from "../domain/phases";
import type { CheckpointStatus } from "../domain/checkpoint-status";
import { PAGE_SIZE, pageCount, type CheckpointListParams } from "../ui/checkpoint-list-params";
import type { TableFigures } from "../ui/table-comparison";
import { isAppError } from "../domain/errors";
import { getCheckpointDetail, type CheckpointDetail } from "./get-checkpoint-detail";
import type { CheckpointSchemaDrift } from "./get-schema-drift";

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

/**
 * One page of checkpoints for the list page, filtered and sorted as the URL says: listCheckpoints
 * (the API's read, so of the configured target only) with page numbers. A page past the end (a stale
 * link after deletions) shows the last page rather than nothing.
 */
export async function listCheckpointsView(ctx: Pick<AppContext, "db" | "target">, params: CheckpointListParams): Promise<CheckpointListView> {
  const filter = { phase: params.phase ?? undefined, status: params.status ?? undefined, q: params.q || undefined, sort: params.sort };
  let list = await listCheckpoints(ctx, filter, { limit: PAGE_SIZE, offset: (params.page - 1) * PAGE_SIZE });
  const pages = pageCount(list.total);
  const page = Math.min(params.page, pages);
  if (page !== params.page) list = await listCheckpoints(ctx, filter, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  return {
    rows: list.items.map((c) => ({
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
    total: list.total,
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
  /** The recorded schema fingerprints and each side's drift since the last validated checkpoint before it. */
  schema: CheckpointSchemaDrift;
  /** Jobs of this checkpoint still queued or running (so the page can follow them after a reload). */
  activeJobs: { id: string; kind: string; status: string }[];
}

const COMPONENT_ORDER = ["database", "storage", "config"];
const MAX_RUNS = 20;

/**
 * Everything the checkpoint page shows: getCheckpointDetail (the API's read: the configured target
 * only, diffs opened for `role`) in the page's shape; null for an unknown, malformed or other target's
 * id (the page shows 404).
 */
export async function getCheckpointView(ctx: AppContext, id: string, role: string | null | undefined): Promise<CheckpointDetailView | null> {
  const c = await getCheckpointDetail(ctx, id, role).catch((e: unknown) => {
    if (isAppError(e) && (e.code === "not_found" || e.code === "validation_error")) return null;
    throw e;
  });
  return c ? toCheckpointDetailView(c) : null;
}

/** The page's shape of a checkpoint detail: JSON-safe numbers, components in backup order, the latest runs. */
export function toCheckpointDetailView(c: CheckpointDetail): CheckpointDetailView {
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
      sourceTable: t.sourceTable,
      targetTable: t.targetTable,
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
    validationRuns: c.validationRuns.slice(0, MAX_RUNS).map((r) => ({
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
        checks: v.checks,
        hasDiff: v.diff !== null,
        diff: v.diff,
        durationMs: v.durationMs,
      })),
    })),
    schema: c.schema,
    activeJobs: c.activeJobs,
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

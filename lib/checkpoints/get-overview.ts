import type { Db } from "../db/client";
import type { AppContext } from "../context";
import { PHASES, type Phase } from "../domain/phases";
import type { CheckpointStatus } from "../domain/checkpoint-status";
import type { TimelineCheckpoint } from "../ui/phase-timeline";
import { readJobProgress, type JobProgressView } from "../ui/job-progress";
import type { TableFigures } from "../ui/table-comparison";
import type { CheckpointSizeInput } from "../ui/chart-data";
import { toAuditEventView, type AuditEventView } from "../audit/list-audit-events";
import { getLatestSchemaDrift, type CheckpointSchemaDrift } from "./get-schema-drift";

export interface OverviewJob {
  id: string;
  kind: string;
  status: string;
  checkpointId: string | null;
  checkpointName: string | null;
  requestedBy: string;
  createdAt: string;
  startedAt: string | null;
  progress: JobProgressView;
}

/** Everything the overview page shows; plain JSON (strings, numbers, nulls) only. */
export interface Overview {
  active: TimelineCheckpoint[];
  latest: TimelineCheckpoint[];
  counts: { phase: Phase; status: CheckpointStatus; count: number }[];
  totalCheckpoints: number;
  jobs: OverviewJob[];
  recentAudit: AuditEventView[];
  /** Tables of the most recent checkpoint that has table metadata (for the row-count chart). */
  latestTables: { checkpointId: string; checkpointName: string; tables: TableFigures[] } | null;
  /** Backup sizes of the most recent complete checkpoints (for the size chart). */
  sizes: CheckpointSizeInput[];
  /** How the source and target schemas changed from the last validated checkpoint to the newest one. */
  schemaDrift: CheckpointSchemaDrift | null;
  generatedAt: string;
}

const RECENT_AUDIT = 10;
const MAX_JOBS = 20;
const SIZE_HISTORY = 20;

const timelineSelect = {
  id: true,
  name: true,
  phase: true,
  status: true,
  createdAt: true,
  validatedAt: true,
  failureReason: true,
} as const;

/**
 * Reads the state of the migration of the configured target for the overview page in one consistent
 * snapshot: its checkpoints and jobs only (the audit trail is the store's, like the /audit page's).
 */
export async function getOverview(ctx: Pick<AppContext, "db" | "target">): Promise<Overview> {
  const db = ctx.db;
  const targetKey = ctx.target.key;
  // Declared apart so that Prisma infers groupBy's result type (it cannot inside the tuple).
  const groupedQuery = db.checkpoint.groupBy({
    where: { targetKey },
    by: ["phase", "status"],
    _count: { _all: true },
    orderBy: [{ phase: "asc" }, { status: "asc" }],
  });
  const [grouped, active, latestPerPhase, jobs, audit, withTables, sized] = await db.$transaction(
    [
      groupedQuery,
      db.checkpoint.findMany({ where: { targetKey, status: "active" }, select: timelineSelect, orderBy: { activatedAt: "desc" } }),
      db.checkpoint.findMany({ where: { targetKey }, select: timelineSelect, orderBy: [{ phase: "asc" }, { createdAt: "desc" }], distinct: ["phase"] }),
      db.job.findMany({ where: { targetKey, status: { in: ["queued", "running"] } }, orderBy: { createdAt: "asc" }, take: MAX_JOBS }),
      db.auditEvent.findMany({ orderBy: { seq: "desc" }, take: RECENT_AUDIT }),
      db.checkpoint.findFirst({
        where: { targetKey, tables: { some: {} }, status: { not: "failed" } },
        orderBy: { createdAt: "desc" },
        select: { id: true, name: true, tables: { orderBy: { targetTable: "asc" } } },
      }),
      db.checkpoint.findMany({
        where: { targetKey, completedAt: { not: null }, status: { not: "failed" } },
        orderBy: { createdAt: "desc" },
        take: SIZE_HISTORY,
        select: { id: true, name: true, createdAt: true, backups: { select: { component: true, sizeBytes: true, newBytes: true } } },
      }),
    ],
    { isolationLevel: "RepeatableRead" },
  );

  const names = await checkpointNames(db, jobs.map((j) => j.checkpointId));
  const schemaDrift = await getLatestSchemaDrift(ctx);
  const counts = grouped.map((g) => ({ phase: g.phase, status: g.status, count: g._count._all }));
  return {
    active: active.map(toTimelineCheckpoint),
    latest: latestPerPhase.map(toTimelineCheckpoint).sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase)),
    counts,
    totalCheckpoints: counts.reduce((n, c) => n + c.count, 0),
    jobs: jobs.map((j) => ({
      id: j.id,
      kind: j.kind,
      status: j.status,
      checkpointId: j.checkpointId,
      checkpointName: j.checkpointId ? (names.get(j.checkpointId) ?? null) : null,
      requestedBy: j.requestedBy,
      createdAt: j.createdAt.toISOString(),
      startedAt: j.startedAt?.toISOString() ?? null,
      progress: readJobProgress(j.progress),
    })),
    recentAudit: audit.map(toAuditEventView),
    latestTables: withTables
      ? {
          checkpointId: withTables.id,
          checkpointName: withTables.name,
          tables: withTables.tables.map((t) => ({
            sourceTable: t.sourceTable,
            targetTable: t.targetTable,
            sourceRowCount: t.sourceRowCount === null ? null : Number(t.sourceRowCount),
            targetRowCount: t.targetRowCount === null ? null : Number(t.targetRowCount),
            sourceChecksum: t.sourceChecksum,
            targetChecksum: t.targetChecksum,
          })),
        }
      : null,
    sizes: sized.map((c) => ({
      id: c.id,
      name: c.name,
      createdAt: c.createdAt.toISOString(),
      backups: c.backups.map((b) => ({ component: b.component, sizeBytes: Number(b.sizeBytes), newBytes: Number(b.newBytes) })),
    })),
    schemaDrift,
    generatedAt: new Date().toISOString(),
  };
}

function toTimelineCheckpoint(c: {
  id: string;
  name: string;
  phase: Phase;
  status: CheckpointStatus;
  createdAt: Date;
  validatedAt: Date | null;
  failureReason: string | null;
}): TimelineCheckpoint {
  return {
    id: c.id,
    name: c.name,
    phase: c.phase,
    status: c.status,
    createdAt: c.createdAt.toISOString(),
    validatedAt: c.validatedAt?.toISOString() ?? null,
    failureReason: c.failureReason,
  };
}

async function checkpointNames(db: Db, ids: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.checkpoint.findMany({ where: { id: { in: wanted } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.id, r.name]));
}

import { z } from "zod";
import type { AppContext } from "../context";
import type { Db } from "../db/client";
import type { Phase } from "../domain/phases";
import type { SchemaInventory } from "../validation/schema/inventory-types";
import { diffSchemaSide, type SideDrift } from "../validation/schema/drift";

export interface DriftCheckpointRef {
  id: string;
  name: string;
  phase: Phase;
  createdAt: string;
  validatedAt: string | null;
}

/** A checkpoint's recorded schema, and how each side changed since the last validated checkpoint before it. */
export interface CheckpointSchemaDrift {
  checkpoint: DriftCheckpointRef;
  fingerprints: { source: string | null; target: string | null };
  /** The last validated checkpoint taken before this one; null when there is none. */
  baseline: DriftCheckpointRef | null;
  /** Null without a baseline. */
  source: SideDrift | null;
  target: SideDrift | null;
}

const NOT_RECORDED = "no schema inventory was recorded with one of the two checkpoints (taken before schemas were recorded)";

/** Drift of one checkpoint since the last validated one before it; null for an unknown id. */
export async function getCheckpointSchemaDrift(db: Db, checkpointId: string): Promise<CheckpointSchemaDrift | null> {
  const c = await db.checkpoint.findUnique({ where: { id: checkpointId }, select: refSelect });
  return c ? driftSince(db, c) : null;
}

/**
 * For the overview: the configured target's newest checkpoint whose backup completed, since its last validated predecessor.
 * One that failed validation counts (its schema is the target's as it was, often why it failed);
 * safety checkpoints do not (they record the target just before a rollback, not where the migration stands).
 */
export async function getLatestSchemaDrift(ctx: Pick<AppContext, "db" | "target">): Promise<CheckpointSchemaDrift | null> {
  const db = ctx.db;
  const latest = await db.checkpoint.findFirst({
    where: { targetKey: ctx.target.key, completedAt: { not: null }, isSafety: false },
    orderBy: { createdAt: "desc" },
    select: refSelect,
  });
  return latest ? driftSince(db, latest) : null;
}

/** The inventory of one side recorded with a checkpoint, or null (none recorded, or unreadable). */
export async function recordedInventory(db: Db, checkpointId: string, side: "source" | "target"): Promise<SchemaInventory | null> {
  const row = await db.checkpointSchemaInventory.findUnique({ where: { checkpointId } });
  return row ? readStoredInventory(row[side]) : null;
}

const refSelect = {
  id: true,
  name: true,
  phase: true,
  targetKey: true,
  createdAt: true,
  validatedAt: true,
  metadata: { select: { sourceSchemaFingerprint: true, targetSchemaFingerprint: true } },
} as const;

type RefRow = {
  id: string;
  name: string;
  phase: Phase;
  targetKey: string;
  createdAt: Date;
  validatedAt: Date | null;
  metadata: { sourceSchemaFingerprint: string | null; targetSchemaFingerprint: string | null } | null;
};

async function driftSince(db: Db, c: RefRow): Promise<CheckpointSchemaDrift> {
  const baseline = await db.checkpoint.findFirst({
    where: {
      targetKey: c.targetKey,
      id: { not: c.id },
      createdAt: { lt: c.createdAt },
      validatedAt: { not: null },
      completedAt: { not: null },
      status: { not: "failed" },
      isSafety: false,
    },
    orderBy: { createdAt: "desc" },
    select: refSelect,
  });
  const fingerprints = { source: c.metadata?.sourceSchemaFingerprint ?? null, target: c.metadata?.targetSchemaFingerprint ?? null };
  if (!baseline) return { checkpoint: toRef(c), fingerprints, baseline: null, source: null, target: null };
  const then = { source: baseline.metadata?.sourceSchemaFingerprint ?? null, target: baseline.metadata?.targetSchemaFingerprint ?? null };
  // Inventories are read only for a side whose fingerprint moved.
  const moved = (["source", "target"] as const).filter((s) => then[s] !== null && fingerprints[s] !== null && then[s] !== fingerprints[s]);
  const inventories = moved.length
    ? await db.checkpointSchemaInventory.findMany({ where: { checkpointId: { in: [baseline.id, c.id] } } })
    : [];
  const side = (s: "source" | "target", id: string, fingerprint: string | null) => ({
    fingerprint,
    inventory: moved.includes(s) ? readStoredInventory(inventories.find((i) => i.checkpointId === id)?.[s]) : null,
  });
  return {
    checkpoint: toRef(c),
    fingerprints,
    baseline: toRef(baseline),
    source: diffSchemaSide(side("source", baseline.id, then.source), side("source", c.id, fingerprints.source), NOT_RECORDED),
    target: diffSchemaSide(side("target", baseline.id, then.target), side("target", c.id, fingerprints.target), NOT_RECORDED),
  };
}

function toRef(c: RefRow): DriftCheckpointRef {
  return { id: c.id, name: c.name, phase: c.phase, createdAt: c.createdAt.toISOString(), validatedAt: c.validatedAt?.toISOString() ?? null };
}

// Stored JSON is read without trusting its shape: an inventory recorded by another version that
// cannot be read counts as not recorded (drift unknown), never as an error of the page.
const storedInventorySchema = z.object({
  objects: z.array(
    z.object({
      kind: z.string(),
      identity: z.string(),
      name: z.string(),
      table: z.string().optional(),
      definition: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  schemas: z.array(z.string()).catch([]),
  optionalCatalogs: z.object({ cron: z.boolean(), vault: z.boolean() }).catch({ cron: false, vault: false }),
  serverVersion: z.number().catch(0),
});

export function readStoredInventory(value: unknown): SchemaInventory | null {
  const parsed = storedInventorySchema.safeParse(value);
  return parsed.success ? (parsed.data as SchemaInventory) : null;
}

import { z } from "zod";
import { JOB_KINDS } from "../domain/job-kinds";
import { PHASES } from "../domain/phases";
import { BACKUP_COMPONENTS, checkpointIdSchema, componentsSchema, createCheckpointInputSchema, phaseSchema } from "../domain/checkpoint-input";
import { rollbackOptionsSchema } from "../domain/rollback-input";
import { ERROR_STATUS } from "../domain/errors";
import { jobIdSchema } from "../checkpoints/get-job";
import { auditFilterFields, auditRangeIsValid } from "../domain/audit-filter";
import { checkpointListFilterFields } from "../domain/checkpoint-list-filter";

/**
 * Request and response schemas of the REST API. The route handlers parse with the request schemas;
 * the OpenAPI document is generated from all of them (lib/api/openapi.ts); the API tests parse every
 * response with its response schema, so the document cannot drift from what is served.
 */

// ---------- requests ----------

const CHECKPOINT_STATUSES = ["created", "validated", "failed", "active", "superseded"] as const;

const limit = (max: number, fallback: number) =>
  z.coerce.number({ error: "limit must be a number" }).int("limit must be an integer").min(1, "limit must be at least 1").max(max, `limit must be at most ${max}`).default(fallback);
const offset = z.coerce.number({ error: "offset must be a number" }).int("offset must be an integer").min(0, "offset must not be negative").default(0);

// Unknown fields are refused rather than dropped: a misspelt "descripton" must not pass silently.
export const createCheckpointBody = z.strictObject(createCheckpointInputSchema.shape);
export const validatePhaseBody = z.strictObject({ phase: phaseSchema });
export const rollbackBody = rollbackOptionsSchema;
export const copyCheckpointBody = z.strictObject({
  direction: z
    .enum(["to_copy_store", "from_copy_store"])
    .default("to_copy_store")
    .meta({ description: "to_copy_store (the default): from the backup store to BACKUP_COPY_STORE_URL; from_copy_store: back from it into the backup store (one that lost the checkpoint's backup)" }),
});

export const checkpointParams = z.object({ checkpointId: checkpointIdSchema });
export const phaseParams = z.object({ phase: phaseSchema });
export const jobParams = z.object({ jobId: jobIdSchema });

/** The checkpoint list's filter shared with the dashboard (lib/domain/checkpoint-list-filter.ts), plus the API's paging. */
export const listCheckpointsQuery = checkpointListFilterFields.extend({ limit: limit(200, 50), offset });

/** `?components=database,config`: a comma-separated list; all components when absent. */
export const rollbackPreviewQuery = z.object({
  components: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter(Boolean)))
    .pipe(componentsSchema.optional()),
});

/** The audit filter shared with the dashboard (lib/domain/audit-filter.ts), plus the API's paging. */
export const auditQuery = auditFilterFields
  .extend({ limit: limit(500, 100), offset })
  .refine(auditRangeIsValid, { message: "from must not be after to", path: ["from"] });

// ---------- responses ----------

const dateTime = z.string().meta({ format: "date-time" });
const nullableDate = dateTime.nullable();
/** A PostgreSQL bigint, as a decimal string (JSON numbers lose precision past 2^53). */
const bigintString = z.string().regex(/^-?\d+$/).meta({ description: "64-bit integer as a decimal string" });
const anyJson = z.unknown();

export const errorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
      message: z.string(),
      details: anyJson.optional(),
    }),
  });

export const backupSchema = z
  .object({
    id: z.string().uuid(),
    checkpointId: z.string().uuid(),
    component: z.enum(BACKUP_COMPONENTS),
    engine: z.string(),
    status: z.enum(["pending", "running", "complete", "failed"]),
    location: z.string().nullable(),
    manifestChecksum: z.string().nullable(),
    sizeBytes: bigintString,
    newBytes: bigintString,
    fileCount: z.number().int(),
    error: z.string().nullable(),
    startedAt: nullableDate,
    completedAt: nullableDate,
    durationMs: z.number().int().nullable(),
  });

export const checkpointMetadataSchema = z
  .object({
    checkpointId: z.string().uuid(),
    usersTotal: z.number().int(),
    usersMigrated: z.number().int(),
    filesTotal: z.number().int(),
    filesMigrated: z.number().int(),
    bytesTotal: bigintString,
    bytesMigrated: bigintString,
    timings: z.record(z.string(), z.number()),
    collectedAt: dateTime,
    sourceSchemaFingerprint: z.string().nullable().meta({ description: "sha256 of the source's object inventory; null: recorded before fingerprints were" }),
    targetSchemaFingerprint: z.string().nullable().meta({ description: "sha256 of the target's object inventory; null: recorded before fingerprints were" }),
  });

export const checkpointSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    description: z.string().nullable(),
    phase: z.enum(PHASES),
    status: z.enum(CHECKPOINT_STATUSES),
    targetKey: z.string(),
    createdBy: z.string(),
    createdAt: dateTime,
    completedAt: nullableDate,
    validatedAt: nullableDate,
    activatedAt: nullableDate,
    supersededAt: nullableDate,
    failedAt: nullableDate,
    failureReason: z.string().nullable(),
    drillStatus: z.enum(["not_run", "passed", "failed", "skipped"]),
    drilledAt: nullableDate,
    drillDetail: z.string().nullable(),
    isSafety: z.boolean(),
  });

export const checkpointSummarySchema = checkpointSchema
  .extend({ backups: z.array(backupSchema), metadata: checkpointMetadataSchema.nullable() });

export const tableMetadataSchema = z
  .object({
    id: z.string().uuid(),
    checkpointId: z.string().uuid(),
    sourceTable: z.string(),
    targetTable: z.string(),
    sourceRowCount: bigintString.nullable(),
    targetRowCount: bigintString.nullable(),
    sourceChecksum: z.string().nullable(),
    targetChecksum: z.string().nullable(),
    /** How the checksums were computed; checksums of different formats are not comparable (null: format "1"). */
    checksumFormat: z.string().nullable(),
  });

const coverageLineSchema = z.object({
  table: z.string().meta({ description: 'schema.table, a part double-quoted when it needs it ("Sales Team"."order items.v2")' }),
  side: z.enum(["source", "target"]),
  outcome: z.enum(["compared", "excluded", "not_compared"]),
  target: z.string().optional(),
  rows: z.object({ compared: z.number().int(), total: z.number().int() }).optional(),
  reason: z.string().optional(),
});

/**
 * A validation result's integrity diff, opened (never `{"$sealed":…}`) for the caller's role, in the
 * shape the dashboard renders. The data validator's: per compared table the counts, checksums,
 * columns and the missing / extra / changed rows, and the coverage of every table.
 */
export const validationDiffSchema = z
  .looseObject({
    tables: z
      .array(
        z.looseObject({
          sourceTable: z.string(),
          targetTable: z.string(),
          withheldRows: z
            .record(z.string(), z.number().int())
            .optional()
            .meta({ description: "Viewers only: how many rows each withheld list (missing, extra, changed…) had" }),
          changedColumns: z.array(z.string()).optional().meta({ description: "Viewers only: the columns the changed rows differ in" }),
        }),
      )
      .optional(),
    missingInTarget: z.array(z.string()).optional(),
    extraInTarget: z.array(z.string()).optional(),
    coverage: z.array(coverageLineSchema).optional().meta({ description: "Every table of the source (and what only the target has): compared, excluded or not compared, and why" }),
    withheld: z
      .string()
      .optional()
      .meta({ description: "Set for viewers: row values are shown to operators and admins only; the lists of rows are empty and withheldRows counts them" }),
    unreadable: z.string().optional().meta({ description: "Set when this server lacks the key the diff was encrypted with" }),
  })
  .refine((d) => !("$sealed" in d), { error: "a diff is returned opened, never sealed" })
  .nullable()
  .meta({
    description:
      "The integrity diff, opened. Operators and admins get row values; a viewer gets the same diff without them (table names, counts, checksums, columns) and `withheld` saying why.",
  });

export const validationResultSchema = z
  .object({
    id: z.string().uuid(),
    runId: z.string().uuid(),
    validator: z.string(),
    status: z.enum(["passed", "failed", "warning", "skipped", "inconclusive"]),
    critical: z.boolean(),
    checks: anyJson,
    diff: validationDiffSchema,
    durationMs: z.number().int(),
  });

export const validationRunSchema = z
  .object({
    id: z.string().uuid(),
    checkpointId: z.string().uuid().nullable(),
    phase: z.enum(PHASES),
    status: z.enum(["running", "passed", "failed", "error", "inconclusive"]),
    triggeredBy: z.string(),
    startedAt: dateTime,
    finishedAt: nullableDate,
    summary: z.string().nullable(),
    results: z.array(validationResultSchema),
  });

export const rollbackSchema = z
  .object({
    id: z.string().uuid(),
    checkpointId: z.string().uuid(),
    safetyCheckpointId: z.string().uuid().nullable(),
    components: z.array(z.enum(BACKUP_COMPONENTS)),
    status: z.enum(["pending", "running", "completed", "failed", "interrupted"]),
    requestedBy: z.string(),
    startedAt: dateTime,
    finishedAt: nullableDate,
    report: anyJson.nullable(),
    error: z.string().nullable(),
  });

const driftCounts = { added: z.number().int(), removed: z.number().int(), changed: z.number().int() };

/** How one side's schema changed between two inventories (lib/checkpoints/schema-drift.ts). */
export const sideDriftSchema = z
  .discriminatedUnion("state", [
    z.object({
      state: z.enum(["unchanged", "changed"]),
      fromFingerprint: z.string(),
      toFingerprint: z.string(),
      counts: z.object(driftCounts),
      kinds: z.array(z.object({ kind: z.string(), ...driftCounts })),
      objects: z
        .array(
          z.object({
            kind: z.string(),
            identity: z.string(),
            name: z.string(),
            table: z.string().nullable(),
            change: z.enum(["added", "removed", "changed"]),
            before: z.string().nullable().meta({ description: "Definition in the earlier inventory; null when added" }),
            after: z.string().nullable().meta({ description: "Definition in the later inventory; null when removed" }),
            reason: z.string().meta({ description: "For a changed object, what changed (the comparison's words: source = earlier, target = later); empty otherwise" }),
          }),
        )
        .meta({ description: "The objects that changed, by kind; at most 200 (`unlisted` counts the rest)" }),
      unlisted: z.number().int(),
    }),
    z.object({ state: z.literal("unknown"), reason: z.string(), fromFingerprint: z.string().nullable(), toFingerprint: z.string().nullable() }),
  ])
  .meta({ description: "Objects matched by kind and identity, compared by definition: exactly what the fingerprint hashes (a sequence's value is not drift)" });

const driftCheckpointRef = z.object({ id: z.string().uuid(), name: z.string(), phase: z.enum(PHASES), createdAt: dateTime, validatedAt: nullableDate });

export const checkpointSchemaDriftSchema = z
  .object({
    checkpoint: driftCheckpointRef,
    fingerprints: z.object({ source: z.string().nullable(), target: z.string().nullable() }),
    baseline: driftCheckpointRef.nullable().meta({ description: "The last validated checkpoint taken before this one; null when there is none" }),
    source: sideDriftSchema.nullable(),
    target: sideDriftSchema.nullable(),
  })
  .meta({ description: "The schema fingerprints recorded with the checkpoint, and what changed in each side's schema since the last validated checkpoint before it" });

export const checkpointDetailSchema = checkpointSummarySchema
  .extend({
    tables: z.array(tableMetadataSchema),
    validationRuns: z.array(validationRunSchema),
    rollbacks: z.array(rollbackSchema),
    schema: checkpointSchemaDriftSchema,
    activeJobs: z
      .array(z.object({ id: z.string().uuid(), kind: z.string(), status: z.enum(["queued", "running"]) }))
      .meta({ description: "Jobs of this checkpoint still queued or running, oldest first (follow one at /migration/jobs/{jobId})" }),
  });

export const checkpointPageSchema = z
  .object({ items: z.array(checkpointSummarySchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

export const activeCheckpointSchema = checkpointSummarySchema.extend({ tables: z.array(tableMetadataSchema) });

export const jobSchema = z
  .object({
    id: z.string().uuid(),
    kind: z.enum(JOB_KINDS),
    status: z.enum(["queued", "running", "completed", "failed", "interrupted"]),
    checkpointId: z.string().uuid().nullable(),
    progress: z.object({
      step: z.string().optional(),
      stepsDone: z.number().optional(),
      stepsTotal: z.number().optional(),
      bytesDone: z.number().optional(),
      rowsDone: z.number().optional(),
      filesDone: z.number().optional(),
      message: z.string().optional(),
      fraction: z.number().min(0).max(1).nullable().meta({ description: "0..1 when the job reports steps; 1 once completed" }),
    }),
    result: anyJson.nullable().meta({ description: "What the job returned (e.g. a verification report), or {code,message} of a refusal" }),
    error: z.string().nullable(),
    requestedBy: z.string(),
    workerId: z.string().nullable(),
    attempts: z.number().int(),
    createdAt: dateTime,
    startedAt: nullableDate,
    heartbeatAt: nullableDate,
    finishedAt: nullableDate,
  });

export const createAcceptedSchema = z.object({ checkpoint: checkpointSchema, jobId: z.string().uuid() });
export const validationAcceptedSchema = z
  .object({ checkpointId: z.string().uuid(), runId: z.string().uuid(), jobId: z.string().uuid() });
export const verifyAcceptedSchema = z.object({ checkpointId: z.string().uuid(), jobId: z.string().uuid() });

export const checkpointCopySchema = z
  .object({
    id: z.string().uuid(),
    direction: z.enum(["to_copy_store", "from_copy_store"]),
    store: z.string().meta({ description: "The copy store as configured when the copy was requested: a folder or s3://bucket/prefix/" }),
    status: z.enum(["queued", "running", "complete", "failed"]),
    objects: z.number().int().meta({ description: "Blobs the checkpoint refers to; on completion every one was read back from the destination and found intact" }),
    objectsSent: z.number().int().meta({ description: "Of those, the ones sent (the others were in the destination already: content addressed)" }),
    bytes: z.number().meta({ description: "Bytes sent: blobs as stored (encrypted) and the checkpoint's own files" }),
    verifiedAt: nullableDate,
    error: z.string().nullable().meta({ description: "Why the copy failed" }),
    jobId: z.string().uuid().nullable(),
    requestedBy: z.string(),
    createdAt: dateTime,
    finishedAt: nullableDate,
  })
  .meta({ description: "One copy of a checkpoint's backup between the backup store and the copy store" });
export const copyAcceptedSchema = z.object({ copy: checkpointCopySchema, jobId: z.string().uuid() });
export const checkpointCopiesSchema = z.object({
  checkpointId: z.string().uuid(),
  copyStore: z.string().nullable().meta({ description: "The copy store configured now (BACKUP_COPY_STORE_URL); null: copies are not configured" }),
  copies: z.array(checkpointCopySchema).meta({ description: "Newest first" }),
});
export const rollbackAcceptedSchema = z.object({ rollback: rollbackSchema.omit({ report: true }).extend({ report: anyJson.nullable() }), jobId: z.string().uuid() });

export const deleteResultSchema = z
  .object({ checkpointId: z.string().uuid(), name: z.string(), blobsDeleted: z.number().int(), bytesFreed: z.number() });

export const rollbackPreviewSchema = z
  .object({
    checkpoint: z.object({ id: z.string().uuid(), name: z.string(), phase: z.enum(PHASES), status: z.string() }),
    components: z.array(z.enum(BACKUP_COMPONENTS)),
    currentPhase: z.enum(PHASES),
    changes: z.array(z.looseObject({ component: z.enum(BACKUP_COMPONENTS), ok: z.boolean() })),
    summary: z.array(z.object({ component: z.enum(BACKUP_COMPONENTS), text: z.string() })),
    warnings: z.array(anyJson),
    schema: z
      .discriminatedUnion("ok", [
        z.object({
          ok: z.literal(true),
          checkpointFingerprint: z.string(),
          currentFingerprint: z.string(),
          sinceCheckpoint: sideDriftSchema.meta({ description: "The target now against the checkpoint: added objects are removed by the rollback, removed ones brought back, changed ones changed back" }),
          text: z.string(),
        }),
        z.object({ ok: z.literal(false), problem: z.string() }),
      ])
      .nullable()
      .meta({ description: "What a database rollback does to the target's schema; null when the database is not chosen" }),
  });

export const verificationReportSchema = z
  .object({
    checkpointId: z.string().uuid(),
    ok: z.boolean(),
    components: z.array(
      z.object({
        component: z.enum(BACKUP_COMPONENTS),
        ok: z.boolean(),
        problems: z.array(z.looseObject({ path: z.string(), kind: z.string() })),
      }),
    ),
  })
  .meta({ description: "The `result` of a completed verify job" });

export const auditEventSchema = z
  .object({
    seq: bigintString,
    id: z.string().uuid(),
    at: dateTime,
    actor: z.string(),
    actorRole: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    checkpointId: z.string().uuid().nullable(),
    before: anyJson.nullable(),
    after: anyJson.nullable(),
    result: z.string(),
    origin: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  });

export const auditPageSchema = z
  .object({ items: z.array(auditEventSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

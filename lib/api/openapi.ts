import { z } from "zod";
import * as s from "./schemas";
import * as approvals from "./approval-schemas";
import { deleteCheckpointOptionsSchema } from "../domain/typed-confirmation";
import { BACKUP_COMPONENTS } from "../domain/checkpoint-input";
import { validationCheckSchema } from "../validation/report";

/**
 * The OpenAPI 3.1 document of the REST API, generated from the zod schemas the handlers parse with
 * (requests, as their input side) and the schemas the API tests check responses against.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** What a finished rollback reports (lib/rollback/finish-rollback.ts RollbackReport): the `report` of a Rollback. */
export const rollbackReportSchema = z
  .object({
    rollbackId: z.string().uuid(),
    checkpointId: z.string().uuid(),
    status: z.enum(["completed", "failed"]),
    components: z.array(
      z.object({ component: z.enum(BACKUP_COMPONENTS), status: z.enum(["restored", "failed", "skipped"]), detail: z.string(), durationMs: z.number() }),
    ),
    safetyCheckpointId: z.string().uuid().nullable(),
    statusChanges: z.object({ activated: z.array(z.string().uuid()), superseded: z.array(z.string().uuid()) }),
    statusNote: z.string().optional(),
    failedComponent: z.enum(BACKUP_COMPONENTS).optional(),
    atCheckpoint: z.array(z.enum(BACKUP_COMPONENTS)).meta({ description: "Components now equal to the checkpoint (restored and re-validated)" }),
    notAtCheckpoint: z.array(z.enum(BACKUP_COMPONENTS)).meta({ description: "Chosen components that are not at the checkpoint (failed, or never reached)" }),
    message: z.string(),
  })
  .meta({ description: "Per component what the rollback did, which components are at the checkpoint, and how to undo it" });

/** Fields the response schemas leave open (any JSON) that the document states precisely: component → property → schema. */
const PRECISE_PROPERTIES: Record<string, Record<string, unknown>> = {
  ValidationResult: { checks: { type: "array", items: ref("ValidationCheck") } },
  Rollback: { report: { anyOf: [ref("RollbackReport"), { type: "null" }] } },
};

const RESPONSE_COMPONENTS = {
  Error: s.errorResponse,
  Checkpoint: s.checkpointSchema,
  CheckpointSummary: s.checkpointSummarySchema,
  CheckpointDetail: s.checkpointDetailSchema,
  CheckpointPage: s.checkpointPageSchema,
  ActiveCheckpoint: s.activeCheckpointSchema,
  Backup: s.backupSchema,
  CheckpointMetadata: s.checkpointMetadataSchema,
  TableMetadata: s.tableMetadataSchema,
  ValidationRun: s.validationRunSchema,
  ValidationResult: s.validationResultSchema,
  Rollback: s.rollbackSchema,
  Job: s.jobSchema,
  CheckpointAccepted: s.createAcceptedSchema,
  ValidationAccepted: s.validationAcceptedSchema,
  VerificationAccepted: s.verifyAcceptedSchema,
  RollbackAccepted: approvals.rollbackRequestAcceptedSchema,
  RollbackApproval: approvals.rollbackApprovalSchema,
  RollbackApproved: approvals.rollbackApprovedSchema,
  RollbackPreview: s.rollbackPreviewSchema,
  CheckpointSchemaDrift: s.checkpointSchemaDriftSchema,
  SchemaSideDrift: s.sideDriftSchema,
  VerificationReport: s.verificationReportSchema,
  DeleteResult: s.deleteResultSchema,
  AuditEvent: s.auditEventSchema,
  AuditPage: s.auditPageSchema,
  ValidationCheck: validationCheckSchema,
  RollbackReport: rollbackReportSchema,
} satisfies Record<string, z.ZodType>;

const REQUEST_COMPONENTS = {
  CreateCheckpointRequest: s.createCheckpointBody,
  ValidatePhaseRequest: s.validatePhaseBody,
  RollbackRequest: s.rollbackBody,
  DeleteCheckpointRequest: deleteCheckpointOptionsSchema,
} satisfies Record<string, z.ZodType>;

type ResponseName = keyof typeof RESPONSE_COMPONENTS;
type RequestName = keyof typeof REQUEST_COMPONENTS;

interface Operation {
  method: "get" | "post" | "delete";
  path: string;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: { schema: RequestName; required: boolean };
  ok: { status: number; schema: ResponseName; description: string; location?: boolean };
  errors: number[];
}

const OPERATIONS: Operation[] = [
  {
    method: "post", path: "/migration/checkpoint", summary: "Create a checkpoint (backup of database, storage and config)",
    description: "Records the checkpoint and queues its backup job. Poll the job at the Location header.",
    body: { schema: "CreateCheckpointRequest", required: true },
    ok: { status: 202, schema: "CheckpointAccepted", description: "Checkpoint recorded, backup job queued", location: true },
    errors: [400, 409, 413, 415, 422],
  },
  {
    method: "get", path: "/migration/checkpoints", summary: "List checkpoints, newest first",
    query: s.listCheckpointsQuery, ok: { status: 200, schema: "CheckpointPage", description: "One page of checkpoints" }, errors: [400],
  },
  {
    method: "post", path: "/migration/checkpoint/validate", summary: "Validate the latest complete checkpoint of a phase",
    body: { schema: "ValidatePhaseRequest", required: true },
    ok: { status: 202, schema: "ValidationAccepted", description: "Validation run recorded, job queued", location: true },
    errors: [400, 404, 409, 413, 415, 422],
  },
  {
    method: "get", path: "/migration/checkpoint/active/{phase}", summary: "The active checkpoint of a phase",
    params: s.phaseParams, ok: { status: 200, schema: "ActiveCheckpoint", description: "The active checkpoint" }, errors: [400, 404],
  },
  {
    method: "get", path: "/migration/checkpoint/{checkpointId}", summary: "A checkpoint: metadata, tables, backups, validation results, rollbacks",
    description:
      "Each validation result's integrity diff is returned opened, in the shape the dashboard renders. Row values (the keys and column values of missing, extra and changed rows) go to operators and admins; a viewer gets the same diff without them: table names, counts, checksums, columns, `withheldRows` and `withheld` saying why. The dashboard's checkpoint page follows the same rule. `schema` gives the schema fingerprints recorded with the checkpoint and, per side, what changed since the last validated checkpoint before it (objects added, removed, changed, by kind).",
    params: s.checkpointParams, ok: { status: 200, schema: "CheckpointDetail", description: "The checkpoint" }, errors: [400, 404],
  },
  {
    method: "delete", path: "/migration/checkpoint/{checkpointId}", summary: "Delete a checkpoint and its backup",
    description:
      "Refused (409) for the active checkpoint of a phase, the last validated one, one with rollbacks on record, or while the target is busy. From a dashboard session the body must carry `confirmName`, the checkpoint's exact name (422 otherwise).",
    params: s.checkpointParams, body: { schema: "DeleteCheckpointRequest", required: false }, ok: { status: 200, schema: "DeleteResult", description: "Deleted" }, errors: [400, 404, 409, 413, 415, 422],
  },
  {
    method: "post", path: "/migration/checkpoint/{checkpointId}/validate", summary: "Validate a checkpoint (restore drill + validators of its phase)",
    params: s.checkpointParams,
    ok: { status: 202, schema: "ValidationAccepted", description: "Validation run recorded, job queued", location: true },
    errors: [400, 404, 409, 413, 415, 422],
  },
  {
    method: "post", path: "/migration/checkpoint/{checkpointId}/verify", summary: "Verify a checkpoint's backup files against their manifests",
    description: "Always a job (it re-reads every backup byte). The job's result is a VerificationReport; a backup with problems is a completed job with ok=false.",
    params: s.checkpointParams,
    ok: { status: 202, schema: "VerificationAccepted", description: "Verification job queued", location: true },
    errors: [400, 404, 413, 415, 422],
  },
  {
    method: "post", path: "/migration/checkpoint/{checkpointId}/rollback", summary: "Roll the target back to a checkpoint (all or some components)",
    description:
      "From a dashboard session the body must carry `confirmName`, the checkpoint's exact name (422 otherwise); an API token may leave it out. With ROLLBACK_APPROVAL=two-person, a rollback to a checkpoint of the last two phases answers 202 {approval}: nothing is queued until another admin approves it (POST /migration/rollback-approvals/{approvalId}/approve).",
    params: s.checkpointParams, body: { schema: "RollbackRequest", required: false },
    ok: { status: 202, schema: "RollbackAccepted", description: "Rollback recorded and job queued, or the approval it waits for", location: true },
    errors: [400, 404, 409, 413, 415, 422],
  },
  {
    method: "get", path: "/migration/checkpoint/{checkpointId}/rollback-preview", summary: "What a rollback would change (reads only)",
    description:
      "Per chosen component what differs from the checkpoint. With the database chosen, `schema` compares the target's schema now with the one recorded with the checkpoint: the objects the rollback removes (added since), brings back (dropped since) and changes back.",
    params: s.checkpointParams, query: s.rollbackPreviewQuery,
    ok: { status: 200, schema: "RollbackPreview", description: "The preview" }, errors: [400, 404, 422],
  },
  {
    method: "post", path: "/migration/rollback-approvals/{approvalId}/approve", summary: "Approve a rollback the two-person rule holds back (a second admin)",
    description:
      "With ROLLBACK_APPROVAL=two-person a rollback to a checkpoint of the last two phases answers 202 {approval} and queues nothing. Another admin approves it here (or on the checkpoint's page): the rollback and its job are then recorded and queued as a rollback is. The admin who asked (through a session or a token they created) gets 403; a request already decided or older than 24 hours, or a busy target, 409.",
    params: z.object({ approvalId: z.string().uuid() }),
    ok: { status: 202, schema: "RollbackApproved", description: "Approved: rollback recorded, job queued", location: true },
    errors: [400, 404, 409, 422],
  },
  {
    method: "get", path: "/migration/jobs/{jobId}", summary: "A job: status, progress, result, error",
    params: s.jobParams, ok: { status: 200, schema: "Job", description: "The job" }, errors: [400, 404],
  },
  {
    method: "get", path: "/migration/audit", summary: "The audit trail, newest first",
    query: s.auditQuery, ok: { status: 200, schema: "AuditPage", description: "One page of audit events" }, errors: [400],
  },
];

/** Every operation first authenticates and authorizes the caller (lib/api/actor.ts). */
const AUTH_ERRORS = [401, 403, 429];

const ERROR_TEXT: Record<number, string> = {
  400: "Invalid input (validation_error, invalid_json)",
  401: "No valid API token or session (unauthenticated), or a destructive action needs a recent sign-in (reauth_required)",
  403: "The caller's role may not do this (forbidden)",
  429: "Too many requests (rate_limited)",
  404: "Not found",
  409: "Conflict: duplicate name, target busy, or refused by the checkpoint's state",
  413: "Request body larger than 64 KiB",
  415: "Request body is not JSON (Content-Type)",
  422: "Refused by a rule (gate closed, checkpoint failed or incomplete)",
};

function toSchema(schema: z.ZodType, io: "input" | "output") {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

function components(entries: Record<string, z.ZodType>, io: "input" | "output") {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { io, unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` }).schemas;
  for (const schema of Object.values(out)) {
    delete (schema as Record<string, unknown>).$schema;
    delete (schema as Record<string, unknown>).$id;
  }
  return out;
}

function withPreciseProperties(schemas: Record<string, unknown>) {
  for (const [name, properties] of Object.entries(PRECISE_PROPERTIES)) {
    const target = (schemas[name] as { properties?: Record<string, unknown> } | undefined)?.properties;
    if (!target) throw new Error(`OpenAPI component ${name} has no properties to make precise`);
    for (const [property, schema] of Object.entries(properties)) {
      if (!(property in target)) throw new Error(`OpenAPI component ${name} has no property ${property}`);
      target[property] = schema;
    }
  }
  return schemas;
}

function parameters(op: Operation) {
  const list: unknown[] = [];
  const add = (where: "path" | "query", obj: z.ZodType | undefined) => {
    if (!obj) return;
    const json = toSchema(obj, "input") as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    for (const [name, schema] of Object.entries(json.properties ?? {})) {
      list.push({ name, in: where, required: where === "path" || (json.required ?? []).includes(name), schema });
    }
  };
  add("path", op.params);
  add("query", op.query);
  return list;
}

/** The whole document; cheap to build, so it is built per request. */
/** Every endpoint as method and path template (`/migration/checkpoint/{checkpointId}`), the document included. */
export function apiEndpoints(): Array<{ method: string; path: string }> {
  return [...OPERATIONS.map((op) => ({ method: op.method.toUpperCase(), path: op.path })), { method: "GET", path: "/migration/openapi.json" }];
}

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = {
      [op.ok.status]: {
        description: op.ok.description,
        ...(op.ok.location ? { headers: { Location: { description: "The job to poll: /migration/jobs/{jobId}", schema: { type: "string" } } } } : {}),
        content: { "application/json": { schema: ref(op.ok.schema) } },
      },
    };
    for (const status of [...op.errors, ...AUTH_ERRORS, 500].sort((a, b) => a - b)) {
      responses[status] = { description: ERROR_TEXT[status] ?? "Unexpected server error (details are logged, not returned)", content: { "application/json": { schema: ref("Error") } } };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      operationId: `${op.method}${op.path.replace(/[{}]/g, "").replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      parameters: [
        ...parameters(op),
        { name: "x-actor", in: "header", required: false, description: "Who acts (recorded in the audit trail); defaults to \"api\"", schema: { type: "string", maxLength: 100 } },
      ],
      security: [{ bearerToken: [] }, { session: [] }],
      ...(op.body ? { requestBody: { required: op.body.required, content: { "application/json": { schema: ref(op.body.schema) } } } } : {}),
      responses,
    };
  }
  paths["/migration/openapi.json"] = {
    get: { summary: "This document", operationId: "getOpenApi", security: [], responses: { 200: { description: "OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } } } },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Migration Checkpoints API",
      version: "1.0.0",
      description:
        "Checkpoints, validation and rollback of a Supabase → NestJS migration. Long operations answer 202 with a job id; poll /migration/jobs/{jobId}. " +
        "Every error has the body {error:{code,message,details?}}. 64-bit integers are decimal strings.",
    },
    paths,
    components: {
      schemas: withPreciseProperties({ ...components(RESPONSE_COMPONENTS, "output"), ...components(REQUEST_COMPONENTS, "input") }),
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "An API token (npm run token:create), role viewer, operator or admin" },
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token", description: "A dashboard session (browsers)" },
      },
    },
  };
}

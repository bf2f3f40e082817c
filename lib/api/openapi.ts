import { z } from "zod";
import * as s from "./schemas";
import { ENDPOINTS, type EndpointDeclaration } from "./endpoints";
import * as approvals from "./approval-schemas";
import { deleteCheckpointOptionsSchema } from "../domain/typed-confirmation";
import { BACKUP_COMPONENTS } from "../domain/checkpoint-input";
import { validationCheckSchema } from "../validation/report";

/**
 * The OpenAPI 3.1 document of the REST API, generated from the endpoint declarations (lib/api/endpoints.ts):
 * their paths, roles, the zod schemas the handlers parse with (requests, as their input side) and the
 * schemas of their answers, which the API tests check responses against.
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
  CheckpointCopy: s.checkpointCopySchema,
  CopyAccepted: s.copyAcceptedSchema,
  CheckpointCopies: s.checkpointCopiesSchema,
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
  CopyCheckpointRequest: s.copyCheckpointBody,
  DeleteCheckpointRequest: deleteCheckpointOptionsSchema,
} satisfies Record<string, z.ZodType>;

/** The component name of each schema an endpoint declares (lib/api/endpoints.ts) for its body or answer. */
const COMPONENT_NAMES = new Map<z.ZodType, string>(
  [...Object.entries(RESPONSE_COMPONENTS), ...Object.entries(REQUEST_COMPONENTS)].map(([name, schema]) => [schema, name]),
);

function componentRef(schema: z.ZodType, where: string) {
  const name = COMPONENT_NAMES.get(schema);
  if (!name) throw new Error(`${where}: the schema is not an OpenAPI component (lib/api/openapi.ts)`);
  return ref(name);
}

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

function parameters(op: EndpointDeclaration) {
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
export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ENDPOINTS) {
    const where = `${op.method} ${op.path}`;
    const isPublic = op.role === "public";
    const responses: Record<string, unknown> = {
      [op.response.status]: {
        description: op.response.description,
        ...(op.response.location ? { headers: { Location: { description: "The job to poll: /migration/jobs/{jobId}", schema: { type: "string" } } } } : {}),
        content: { "application/json": { schema: isPublic ? { type: "object" } : componentRef(op.response.schema, where) } },
      },
    };
    for (const status of [...op.errors, ...(isPublic ? [] : [...AUTH_ERRORS, 500])].sort((a, b) => a - b)) {
      responses[status] = { description: ERROR_TEXT[status] ?? "Unexpected server error (details are logged, not returned)", content: { "application/json": { schema: ref("Error") } } };
    }
    const method = op.method.toLowerCase();
    const parameterList = parameters(op);
    (paths[op.path] ??= {})[method] = {
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      operationId: isPublic ? "getOpenApi" : `${method}${op.path.replace(/[{}]/g, "").replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      ...(parameterList.length > 0 ? { parameters: parameterList } : {}),
      security: isPublic ? [] : [{ bearerToken: [] }, { session: [] }],
      ...(isPublic ? {} : { "x-required-role": op.role, "x-recent-sign-in": op.recentSignIn === true }),
      ...(op.body?.schema ? { requestBody: { required: op.body.required, content: { "application/json": { schema: componentRef(op.body.schema, where) } } } } : {}),
      responses,
    };
  }
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

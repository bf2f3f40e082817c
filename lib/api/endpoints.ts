import { z } from "zod";
import { DENY_BY_DEFAULT, type EndpointAccess, type Role } from "../auth/permissions";
import { deleteCheckpointOptionsSchema } from "../domain/typed-confirmation";
import * as approvals from "./approval-schemas";
import * as s from "./schemas";

/**
 * Every endpoint of the REST API, declared once: its method and path, the role it needs and whether a
 * session must have signed in recently, its input (path parameters, query, body) and its answer. The
 * route handler is built from its declaration (lib/api/http.ts `handle`), so it parses and authorizes
 * as declared; the OpenAPI document (lib/api/openapi.ts), the allowed methods of each path (proxy.ts)
 * and the access of each request are derived from this list. Pure: no I/O.
 */

export type Method = "GET" | "POST" | "DELETE";

export interface EndpointDeclaration {
  method: Method;
  /** OpenAPI path template: `/migration/checkpoint/{checkpointId}`. */
  path: string;
  /** The least role that may call it; "public" needs no credentials (the OpenAPI document only). */
  role: Role | "public";
  /** By session cookie, also a sign-in within REAUTH_MAX_AGE_SECONDS (rollback, delete). */
  recentSignIn?: boolean;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodType;
  /**
   * A JSON body parsed with `schema` (absent when not `required`: parsed as `{}`). Without a schema the
   * body may only be absent or a JSON object, and is ignored.
   */
  body?: { schema?: z.ZodType; required: boolean };
  response: { status: number; schema: z.ZodType; description: string; location?: boolean };
  /** The failure statuses of the operation itself (401, 403, 429 and 500 hold for every one). */
  errors: number[];
}

/** Keeps the declaration's literal types, so that `handle` knows the parsed input's shape. */
export function defineEndpoint<const D extends EndpointDeclaration>(declaration: D): D {
  return declaration;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What `handle` passes a route: the declared input, parsed. */
export interface EndpointInput<D extends EndpointDeclaration> {
  params: Parsed<D["params"]>;
  query: Parsed<D["query"]>;
  body: D["body"] extends { schema: infer B } ? Parsed<B> : undefined;
}

const approvalParams = z.object({ approvalId: z.string().uuid("approval id must be a UUID") });

export const createCheckpoint = defineEndpoint({
  method: "POST", path: "/migration/checkpoint", role: "operator",
  summary: "Create a checkpoint (backup of database, storage and config)",
  description: "Records the checkpoint and queues its backup job. Poll the job at the Location header.",
  body: { schema: s.createCheckpointBody, required: true },
  response: { status: 202, schema: s.createAcceptedSchema, description: "Checkpoint recorded, backup job queued", location: true },
  errors: [400, 409, 413, 415, 422],
});

export const listCheckpoints = defineEndpoint({
  method: "GET", path: "/migration/checkpoints", role: "viewer",
  summary: "List checkpoints, newest first",
  query: s.listCheckpointsQuery,
  response: { status: 200, schema: s.checkpointPageSchema, description: "One page of checkpoints" },
  errors: [400],
});

export const validatePhase = defineEndpoint({
  method: "POST", path: "/migration/checkpoint/validate", role: "operator",
  summary: "Validate the latest complete checkpoint of a phase",
  body: { schema: s.validatePhaseBody, required: true },
  response: { status: 202, schema: s.validationAcceptedSchema, description: "Validation run recorded, job queued", location: true },
  errors: [400, 404, 409, 413, 415, 422],
});

export const getActiveCheckpoint = defineEndpoint({
  method: "GET", path: "/migration/checkpoint/active/{phase}", role: "viewer",
  summary: "The active checkpoint of a phase",
  params: s.phaseParams,
  response: { status: 200, schema: s.activeCheckpointSchema, description: "The active checkpoint" },
  errors: [400, 404],
});

export const getCheckpoint = defineEndpoint({
  method: "GET", path: "/migration/checkpoint/{checkpointId}", role: "viewer",
  summary: "A checkpoint: metadata, tables, backups, validation results, rollbacks",
  description:
    "Each validation result's integrity diff is returned opened, in the shape the dashboard renders. Row values (the keys and column values of missing, extra and changed rows) go to operators and admins; a viewer gets the same diff without them: table names, counts, checksums, columns, `withheldRows` and `withheld` saying why. The dashboard's checkpoint page follows the same rule. `schema` gives the schema fingerprints recorded with the checkpoint and, per side, what changed since the last validated checkpoint before it (objects added, removed, changed, by kind).",
  params: s.checkpointParams,
  response: { status: 200, schema: s.checkpointDetailSchema, description: "The checkpoint" },
  errors: [400, 404],
});

export const deleteCheckpoint = defineEndpoint({
  method: "DELETE", path: "/migration/checkpoint/{checkpointId}", role: "admin", recentSignIn: true,
  summary: "Delete a checkpoint and its backup",
  description:
    "Refused (409) for the active checkpoint of a phase, the last validated one, one with rollbacks on record, or while the target is busy. From a dashboard session the body must carry `confirmName`, the checkpoint's exact name (422 otherwise).",
  params: s.checkpointParams,
  body: { schema: deleteCheckpointOptionsSchema, required: false },
  response: { status: 200, schema: s.deleteResultSchema, description: "Deleted" },
  errors: [400, 404, 409, 413, 415, 422],
});

export const validateCheckpoint = defineEndpoint({
  method: "POST", path: "/migration/checkpoint/{checkpointId}/validate", role: "operator",
  summary: "Validate a checkpoint (restore drill + validators of its phase)",
  params: s.checkpointParams,
  body: { required: false },
  response: { status: 202, schema: s.validationAcceptedSchema, description: "Validation run recorded, job queued", location: true },
  errors: [400, 404, 409, 413, 415, 422],
});

export const verifyCheckpoint = defineEndpoint({
  method: "POST", path: "/migration/checkpoint/{checkpointId}/verify", role: "operator",
  summary: "Verify a checkpoint's backup files against their manifests",
  description: "Always a job (it re-reads every backup byte). The job's result is a VerificationReport; a backup with problems is a completed job with ok=false.",
  params: s.checkpointParams,
  body: { required: false },
  response: { status: 202, schema: s.verifyAcceptedSchema, description: "Verification job queued", location: true },
  errors: [400, 404, 413, 415, 422],
});

export const copyCheckpoint = defineEndpoint({
  method: "POST", path: "/migration/checkpoint/{checkpointId}/copy", role: "operator",
  summary: "Copy a checkpoint's backup to the copy store, or back from it",
  description:
    "Queues a copy_checkpoint job. `to_copy_store` (the default) copies every blob the checkpoint refers to, as stored (encrypted; one the destination holds already is not sent), then its own files and its manifests last, from the backup store to BACKUP_COPY_STORE_URL; `from_copy_store` copies it back into the backup store (one that lost it), after which it verifies and rolls back as before. Every blob is read back from the destination and checked on arrival. 422 when no copy store is configured, the checkpoint has no complete backup, or its database backup is a template database; 409 while another copy of it is queued or running. The copy's record is at GET /migration/checkpoint/{checkpointId}/copies.",
  params: s.checkpointParams,
  body: { schema: s.copyCheckpointBody, required: false },
  response: { status: 202, schema: s.copyAcceptedSchema, description: "Copy recorded, job queued", location: true },
  errors: [400, 404, 409, 413, 415, 422],
});

export const listCheckpointCopies = defineEndpoint({
  method: "GET", path: "/migration/checkpoint/{checkpointId}/copies", role: "viewer",
  summary: "The copies of a checkpoint to and from the copy store",
  params: s.checkpointParams,
  response: { status: 200, schema: s.checkpointCopiesSchema, description: "The copies, newest first, and the copy store configured now" },
  errors: [400, 404],
});

export const rollbackToCheckpoint = defineEndpoint({
  method: "POST", path: "/migration/checkpoint/{checkpointId}/rollback", role: "admin", recentSignIn: true,
  summary: "Roll the target back to a checkpoint (all or some components)",
  description:
    "From a dashboard session the body must carry `confirmName`, the checkpoint's exact name (422 otherwise); an API token may leave it out. With ROLLBACK_APPROVAL=two-person, a rollback to a checkpoint of the last two phases answers 202 {approval}: nothing is queued until another admin approves it (POST /migration/rollback-approvals/{approvalId}/approve).",
  params: s.checkpointParams,
  // Only an empty body means "all components": a JSON null is a malformed request, not a full rollback.
  body: { schema: s.rollbackBody, required: false },
  response: { status: 202, schema: approvals.rollbackRequestAcceptedSchema, description: "Rollback recorded and job queued, or the approval it waits for", location: true },
  errors: [400, 404, 409, 413, 415, 422],
});

export const previewRollback = defineEndpoint({
  method: "GET", path: "/migration/checkpoint/{checkpointId}/rollback-preview", role: "viewer",
  summary: "What a rollback would change (reads only)",
  description:
    "Per chosen component what differs from the checkpoint. With the database chosen, `schema` compares the target's schema now with the one recorded with the checkpoint: the objects the rollback removes (added since), brings back (dropped since) and changes back.",
  params: s.checkpointParams,
  query: s.rollbackPreviewQuery,
  response: { status: 200, schema: s.rollbackPreviewSchema, description: "The preview" },
  errors: [400, 404, 422],
});

export const approveRollback = defineEndpoint({
  method: "POST", path: "/migration/rollback-approvals/{approvalId}/approve", role: "admin", recentSignIn: true,
  summary: "Approve a rollback the two-person rule holds back (a second admin)",
  description:
    "With ROLLBACK_APPROVAL=two-person a rollback to a checkpoint of the last two phases answers 202 {approval} and queues nothing. Another admin approves it here (or on the checkpoint's page): the rollback and its job are then recorded and queued as a rollback is. The admin who asked (through a session or a token they created) gets 403; a request already decided or older than 24 hours, or a busy target, 409.",
  params: approvalParams,
  response: { status: 202, schema: approvals.rollbackApprovedSchema, description: "Approved: rollback recorded, job queued", location: true },
  errors: [400, 404, 409, 422],
});

export const getJob = defineEndpoint({
  method: "GET", path: "/migration/jobs/{jobId}", role: "viewer",
  summary: "A job: status, progress, result, error",
  params: s.jobParams,
  response: { status: 200, schema: s.jobSchema, description: "The job" },
  errors: [400, 404],
});

export const listAuditEvents = defineEndpoint({
  method: "GET", path: "/migration/audit", role: "viewer",
  summary: "The audit trail, newest first",
  query: s.auditQuery,
  response: { status: 200, schema: s.auditPageSchema, description: "One page of audit events" },
  errors: [400],
});

/** The document describing all of the above; public, so that a client can be generated without a token. */
export const getOpenApi = defineEndpoint({
  method: "GET", path: "/migration/openapi.json", role: "public",
  summary: "This document",
  response: { status: 200, schema: z.record(z.string(), z.unknown()), description: "OpenAPI 3.1 document" },
  errors: [],
});

/** The whole API, in the order the OpenAPI document lists it. */
export const ENDPOINTS: readonly EndpointDeclaration[] = [
  createCheckpoint,
  listCheckpoints,
  validatePhase,
  getActiveCheckpoint,
  getCheckpoint,
  deleteCheckpoint,
  validateCheckpoint,
  verifyCheckpoint,
  copyCheckpoint,
  listCheckpointCopies,
  rollbackToCheckpoint,
  previewRollback,
  approveRollback,
  getJob,
  listAuditEvents,
  getOpenApi,
];

/** What calling `endpoint` needs; null for the public one. */
export function accessOf(endpoint: EndpointDeclaration): EndpointAccess | null {
  if (endpoint.role === "public") return null;
  return { role: endpoint.role, recentSignIn: endpoint.recentSignIn === true };
}

/**
 * The declared endpoints a path matches, the most specific template only: like Next's router, a
 * static segment wins over a parameter (`/checkpoint/validate` is not a checkpoint id). A trailing
 * slash is ignored; `strict` also refuses empty and dot segments and encoded slashes (no match), so
 * that access is never guessed for a path the router may read differently.
 */
export function endpointsAt(pathname: string, options: { strict?: boolean } = {}): EndpointDeclaration[] {
  const path = pathname.split("?")[0] ?? "";
  const segments = path.replace(/\/+$/, "").split("/");
  if (options.strict && (!path.startsWith("/") || segments.slice(1).some((seg) => seg === "" || seg === "." || seg === ".." || /%2f|%5c/i.test(seg)))) return [];
  let best = Infinity;
  let found: EndpointDeclaration[] = [];
  for (const endpoint of ENDPOINTS) {
    const template = endpoint.path.split("/");
    if (template.length !== segments.length) continue;
    let params = 0;
    const matches = template.every((part, i) => {
      if (/^\{\w+\}$/.test(part)) {
        params += 1;
        return segments[i] !== "";
      }
      return part === segments[i];
    });
    if (!matches || params > best) continue;
    if (params < best) {
      best = params;
      found = [];
    }
    found.push(endpoint);
  }
  return found;
}

/** The endpoint a request is for (HEAD is GET), or null when none is declared. */
export function endpointFor(method: string, pathname: string): EndpointDeclaration | null {
  const m = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
  return endpointsAt(pathname, { strict: true }).find((e) => e.method === m) ?? null;
}

/** What a request needs of its caller: its endpoint's declaration, or admin for anything undeclared. */
export function accessFor(method: string, pathname: string): EndpointAccess | null {
  const endpoint = endpointFor(method, pathname);
  return endpoint ? accessOf(endpoint) : DENY_BY_DEFAULT;
}

/** The methods `pathname` answers (HEAD with GET, OPTIONS always); null when no endpoint has this path. */
export function allowedMethods(pathname: string): string[] | null {
  const methods = new Set<string>(endpointsAt(pathname).map((e) => e.method));
  if (methods.size === 0) return null;
  if (methods.has("GET")) methods.add("HEAD");
  methods.add("OPTIONS");
  return [...methods].sort();
}

import { BACKUP_COMPONENTS, type BackupComponentName } from "../domain/checkpoint-input";

/**
 * The typed-name confirmation of a rollback: exact, case- and space-sensitive, because the point is
 * that the user reads which checkpoint they are about to restore.
 */
export function confirmationMatches(typed: string, checkpointName: string): boolean {
  return typed.length > 0 && typed === checkpointName;
}

/** Components in their canonical order, for the request and the preview's query string. */
export function orderComponents(chosen: Iterable<string>): BackupComponentName[] {
  const set = new Set(chosen);
  return BACKUP_COMPONENTS.filter((c) => set.has(c));
}

export interface ComponentResult {
  component: string;
  status: string;
  detail: string;
  durationMs: number | null;
}

export interface RollbackResultView {
  ok: boolean;
  message: string | null;
  components: ComponentResult[];
  safetyCheckpointId: string | null;
}

/** The report of a finished rollback job (`job.result`), tolerant of missing fields. */
export function readRollbackResult(result: unknown, jobError: string | null): RollbackResultView {
  const r = result && typeof result === "object" ? (result as Record<string, unknown>) : {};
  const components = Array.isArray(r.components)
    ? r.components
        .filter((c): c is Record<string, unknown> => !!c && typeof c === "object")
        .map((c) => ({
          component: String(c.component ?? "?"),
          status: String(c.status ?? "unknown"),
          detail: typeof c.detail === "string" ? c.detail : "",
          durationMs: typeof c.durationMs === "number" ? c.durationMs : null,
        }))
    : [];
  const status = typeof r.status === "string" ? r.status : null;
  const ok = jobError === null && status !== "failed" && components.every((c) => c.status !== "failed");
  return {
    ok,
    message: typeof r.message === "string" ? r.message : jobError,
    components,
    safetyCheckpointId: typeof r.safetyCheckpointId === "string" ? r.safetyCheckpointId : null,
  };
}

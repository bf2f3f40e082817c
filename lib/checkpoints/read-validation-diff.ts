import type { AppContext } from "../context";
import { diffForViewer, mayReadRowValues, withholdCheckValues, withholdValuesInJson, withholdValuesInText } from "../domain/diff-visibility";
import { openStored } from "./encryption-keys";

/** Turns a validation result's stored diff and checks into what one caller may read. */
export interface ResultReader {
  diff(stored: unknown, validator: string): unknown;
  checks(stored: unknown, validator?: string): unknown;
  /** A stored error text or summary (a drill's or a backup's failure, a failure reason, a job's error). */
  text(stored: string | null): string | null;
  /** A stored JSON result (a job's result, a rollback's report): every text in it read as `text` reads one. */
  json(stored: unknown): unknown;
}

export const UNREADABLE_DIFF = "The integrity diff is encrypted with a key this server does not have.";

/**
 * The one read path of a stored integrity diff, for the dashboard and the API alike: opened (diffs
 * are sealed at rest), then given whole to a role that may read row values and without them to the
 * others (lib/domain/diff-visibility.ts). A diff this server cannot open is `{unreadable}`.
 */
export function readValidationDiff(
  stored: unknown,
  access: { open: (value: unknown) => unknown; role: string | null | undefined; validator: string },
): unknown {
  if (stored === null || stored === undefined) return null;
  let opened: unknown;
  try {
    opened = access.open(stored);
  } catch {
    return { unreadable: UNREADABLE_DIFF };
  }
  return mayReadRowValues(access.role) ? opened : diffForViewer(access.validator, opened);
}

/**
 * The reader for a caller of `role`, opening with the process's keys: the one rule for the dashboard
 * and the API, for diffs, checks, stored error texts and job results alike (lib/domain/diff-visibility.ts).
 */
export function resultReaderFor(ctx: Pick<AppContext, "encryptionKey" | "oldEncryptionKeys">, role: string | null | undefined): ResultReader {
  const whole = mayReadRowValues(role);
  return {
    diff: (stored, validator) => readValidationDiff(stored, { open: (value) => openStored(ctx, value), role, validator }),
    checks: (stored, validator) => (whole ? stored : withholdCheckValues(stored, validator)),
    text: (stored) => (whole || stored === null ? stored : withholdValuesInText(stored)),
    json: (stored) => (whole ? stored : withholdValuesInJson(stored)),
  };
}

/**
 * A checkpoint's stored error texts (its failure reason, its drill's detail, its backups' errors) read
 * for the caller: for every read of checkpoint rows (the list, the active one, the detail).
 */
export function withTextsReadBy<T extends { failureReason: string | null; drillDetail: string | null; backups: { error: string | null }[] }>(
  read: Pick<ResultReader, "text">,
  checkpoint: T,
): T {
  return {
    ...checkpoint,
    failureReason: read.text(checkpoint.failureReason),
    drillDetail: read.text(checkpoint.drillDetail),
    backups: checkpoint.backups.map((b) => ({ ...b, error: read.text(b.error) })),
  };
}

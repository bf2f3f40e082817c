import type { AppContext } from "../context";
import { diffForViewer, mayReadRowValues, withholdCheckValues } from "../domain/diff-visibility";
import { openStored } from "./encryption-keys";

/** Turns a validation result's stored diff and checks into what one caller may read. */
export interface ResultReader {
  diff(stored: unknown, validator: string): unknown;
  checks(stored: unknown): unknown;
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

/** The reader for a caller of `role`, opening with the process's keys: the one rule for the dashboard and the API. */
export function resultReaderFor(ctx: Pick<AppContext, "encryptionKey" | "oldEncryptionKeys">, role: string | null | undefined): ResultReader {
  return {
    diff: (stored, validator) => readValidationDiff(stored, { open: (value) => openStored(ctx, value), role, validator }),
    checks: (stored) => (mayReadRowValues(role) ? stored : withholdCheckValues(stored)),
  };
}

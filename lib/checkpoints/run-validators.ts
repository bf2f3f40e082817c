import type { AppContext } from "../context";
import type { ValidatorName } from "../domain/validators-for-phase";
import { COULD_NOT_RUN, type ValidatorReport } from "../validation/report";
import type { MappingFile } from "../validation/mapping";
import { resolveTableMappings } from "../validation/mapping";
import { validateConnectivity } from "../validation/validate-connectivity";
import { validateSchema } from "../validation/validate-schema";
import { validateData } from "../validation/validate-data";
import type { DiffOptions } from "../validation/data-diff";
import { validateReferentialIntegrity } from "../validation/validate-referential";
import { validateUsers } from "../validation/validate-users";
import { validateFiles } from "../validation/validate-files";
import { createSupabaseStorageSource } from "../sources/supabase-storage";
import { withPgClients } from "../sources/pg-clients";
import { redactSecrets } from "../domain/redact-secrets";
import type { Phase } from "../domain/phases";
import type pg from "pg";
import { errorMessage } from "../domain/error-message";

const MAX_PARALLEL = 3;

/** Hooks into each table's diff (tests: a write between the source's snapshot and the target's). */
export type DataDiffHooks = Pick<DiffOptions, "betweenSnapshots">;

/**
 * Runs the named validators, source against target. A validator that crashes is reported as a
 * failed validator (with the reason, secrets removed) rather than aborting the others.
 */
export async function runValidators(
  ctx: AppContext,
  names: readonly ValidatorName[],
  mapping: MappingFile,
  onProgress: (message: string) => void = () => {},
  options: { phase?: Phase; dataDiff?: DataDiffHooks } = {},
): Promise<ValidatorReport[]> {
  const storage = createSupabaseStorageSource({ url: ctx.source.supabaseUrl, serviceRoleKey: ctx.source.serviceRoleKey });
  const secrets = [ctx.source.serviceRoleKey, ...(ctx.encryptionKey ? [ctx.encryptionKey] : [])];
  const reports: ValidatorReport[] = [];
  const guarded = async (name: ValidatorName, run: () => Promise<ValidatorReport>) => {
    const started = Date.now();
    onProgress(`validator: ${name}`);
    try {
      reports.push(await run());
    } catch (e) {
      const message = redactSecrets(errorMessage(e), [ctx.source.serviceRoleKey]);
      reports.push({
        validator: name,
        status: "failed",
        critical: false,
        checks: [{ name: `${name} validator`, status: "failed", message: `The ${name} validator could not run: ${message}`, details: { ...COULD_NOT_RUN } }],
        durationMs: Date.now() - started,
      });
    }
  };

  if (names.includes("connectivity")) {
    await guarded("connectivity", () => validateConnectivity({ sourceUrl: ctx.source.databaseUrl, targetUrl: ctx.target.databaseUrl, storage, secrets }));
  }
  // Each later validator opens its own pair of connections, so they can run side by side; at most
  // MAX_PARALLEL at once keeps the load on source and target bounded.
  const needsDatabases = names.some((n) => n !== "connectivity" && n !== "files");
  const resolved = needsDatabases
    ? // The target's users table is left out of the app tables by the resolution itself (the users validator compares it).
      await withPgClients([ctx.source.databaseUrl, ctx.target.databaseUrl], ([source, target]) => resolveTableMappings(source!, target!, mapping))
    : undefined;
  const withPair = (fn: (source: pg.Client, target: pg.Client) => Promise<ValidatorReport>) => () =>
    withPgClients([ctx.source.databaseUrl, ctx.target.databaseUrl], ([source, target]) => fn(source!, target!));
  const tasks: Array<[ValidatorName, () => Promise<ValidatorReport>]> = [];
  if (names.includes("schema")) tasks.push(["schema", withPair((s, t) => validateSchema(s, t, resolved!, { mapping, phase: options.phase }))]);
  if (names.includes("data")) tasks.push(["data", withPair((s, t) => validateData(s, t, resolved!, { onProgress, diff: options.dataDiff }))]);
  if (names.includes("referential")) tasks.push(["referential", withPair((_s, t) => validateReferentialIntegrity(t))]);
  if (names.includes("users")) {
    tasks.push([
      "users",
      withPair((s, t) =>
        validateUsers({
          sourceClient: s,
          targetClient: t,
          usersMapping: mapping.users as Parameters<typeof validateUsers>[0]["usersMapping"],
          probe: ctx.target.apiUrl && ctx.signInProbeAccounts.length ? { apiUrl: ctx.target.apiUrl, accounts: ctx.signInProbeAccounts } : undefined,
        }),
      ),
    ]);
  }
  if (names.includes("files")) {
    tasks.push([
      "files",
      withPair((s, t) =>
        validateFiles({
          storage,
          sourceClient: s,
          serviceRoleKey: ctx.source.serviceRoleKey,
          storageDir: ctx.target.storageDir,
          targetClient: t,
          sourceUrl: ctx.source.supabaseUrl,
          urlReferences: options.phase === "files_migrated" ? "warn" : "fail",
        }),
      ),
    ]);
  }
  await runBounded(tasks.map(([name, run]) => () => guarded(name, run)), MAX_PARALLEL);
  // Reports in a stable order (the order validators are named), whatever order they finished in.
  const order = (v: string) => (names as readonly string[]).indexOf(v);
  reports.sort((a, b) => order(a.validator) - order(b.validator));
  return reports;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function runBounded(tasks: ReadonlyArray<() => Promise<unknown>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

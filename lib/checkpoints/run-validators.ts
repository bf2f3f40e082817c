import type { AppContext } from "../context";
import type { ValidatorName } from "../domain/validators-for-phase";
import { COULD_NOT_RUN, type ValidatorReport } from "../validation/report";
import type { MappingFile } from "../validation/mapping";
import { resolveTableMappings } from "../validation/mapping";
import { VALIDATOR_REGISTRY, type DatabasePair, type ValidationInputs, type Validator } from "../validation/validator-registry";
import { createSupabaseStorageSource } from "../sources/supabase-storage";
import { withPgClients } from "../sources/pg-clients";
import { redactSecrets } from "../domain/redact-secrets";
import type { Phase } from "../domain/phases";
import { errorMessage } from "../domain/error-message";

const MAX_PARALLEL = 3;

/** Hooks into each table's diff (tests: a write between the source's snapshot and the target's). */
export type DataDiffHooks = NonNullable<ValidationInputs["dataDiff"]>;

/**
 * Runs the named validators (lib/validation/validator-registry.ts), source against target. A validator
 * that crashes is reported as a failed validator that could not run (with the reason, secrets removed)
 * rather than aborting the others.
 */
export async function runValidators(
  ctx: AppContext,
  names: readonly ValidatorName[],
  mapping: MappingFile,
  onProgress: (message: string) => void = () => {},
  options: { phase?: Phase; dataDiff?: DataDiffHooks } = {},
): Promise<ValidatorReport[]> {
  const inputs: ValidationInputs = {
    sourceUrl: ctx.source.databaseUrl,
    targetUrl: ctx.target.databaseUrl,
    supabaseUrl: ctx.source.supabaseUrl,
    serviceRoleKey: ctx.source.serviceRoleKey,
    storage: createSupabaseStorageSource({ url: ctx.source.supabaseUrl, serviceRoleKey: ctx.source.serviceRoleKey }),
    storageDir: ctx.target.storageDir,
    targetApiUrl: ctx.target.apiUrl,
    signInProbeAccounts: ctx.signInProbeAccounts,
    secrets: [ctx.source.serviceRoleKey, ...(ctx.encryptionKey ? [ctx.encryptionKey] : [])],
    mapping,
    phase: options.phase,
    onProgress,
    dataDiff: options.dataDiff,
  };
  const reports: ValidatorReport[] = [];
  const guarded = async (name: ValidatorName, run: () => Promise<ValidatorReport>) => {
    const started = Date.now();
    onProgress(`validator: ${name}`);
    try {
      reports.push(await run());
    } catch (e) {
      const message = redactSecrets(errorMessage(e), inputs.secrets);
      reports.push({
        validator: name,
        status: "failed",
        critical: false,
        checks: [{ name: `${name} validator`, status: "failed", message: `The ${name} validator could not run: ${message}`, details: { ...COULD_NOT_RUN } }],
        durationMs: Date.now() - started,
      });
    }
  };

  const chosen: Validator[] = names.map((n) => VALIDATOR_REGISTRY[n]);
  // Validators that need only the inputs (connectivity) run first: they tell whether the sides can be reached at all.
  for (const v of chosen) if (v.uses === "inputs") await guarded(v.name, () => v.run(inputs));
  const comparing = chosen.filter((v) => v.uses === "databases");
  if (comparing.length === 0) return inStableOrder(reports, names);
  // The table mapping is resolved once, when a validator first needs it (a failure to resolve is that
  // validator's "could not run"). Each validator opens its own pair of connections, so they can run
  // side by side; at most MAX_PARALLEL at once keeps the load on source and target bounded.
  let resolving: ReturnType<DatabasePair["tables"]> | undefined;
  const tables = () =>
    (resolving ??= withPgClients([inputs.sourceUrl, inputs.targetUrl], ([source, target]) => resolveTableMappings(source!, target!, mapping)));
  const tasks = comparing.map((v) => () =>
    guarded(v.name, () =>
      withPgClients([inputs.sourceUrl, inputs.targetUrl], ([source, target]) => {
        if (v.uses !== "databases") throw new Error(`validator ${v.name} does not compare databases`);
        return v.run(inputs, { source: source!, target: target!, tables });
      }),
    ),
  );
  await runBounded(tasks, MAX_PARALLEL);
  return inStableOrder(reports, names);
}

/** Reports in a stable order (the order validators are named), whatever order they finished in. */
function inStableOrder(reports: ValidatorReport[], names: readonly ValidatorName[]): ValidatorReport[] {
  const order = (v: string) => (names as readonly string[]).indexOf(v);
  return reports.sort((a, b) => order(a.validator) - order(b.validator));
}

/** Runs `tasks` with at most `limit` in flight. */
export async function runBounded(tasks: ReadonlyArray<() => Promise<unknown>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

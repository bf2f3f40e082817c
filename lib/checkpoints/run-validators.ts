import type { AppContext } from "../context";
import type { ValidatorName } from "../domain/validators-for-phase";
import type { ValidatorReport } from "../validation/report";
import type { MappingFile } from "../validation/mapping";
import { resolveTableMappings } from "../validation/mapping";
import { validateConnectivity } from "../validation/validate-connectivity";
import { validateSchema } from "../validation/validate-schema";
import { validateData } from "../validation/validate-data";
import { validateReferentialIntegrity } from "../validation/validate-referential";
import { validateUsers } from "../validation/validate-users";
import { validateFiles } from "../validation/validate-files";
import { createSupabaseStorageSource } from "../sources/supabase-storage";
import { withPgClients } from "../sources/pg-clients";
import { redactSecrets } from "../http/route-handler";
import { resolveUsersMapping } from "../sources/users-mapping";
import type { Phase } from "../domain/phases";

/**
 * Runs the named validators, source against target. A validator that crashes is reported as a
 * failed validator (with the reason, secrets removed) rather than aborting the others.
 */
export async function runValidators(
  ctx: AppContext,
  names: readonly ValidatorName[],
  mapping: MappingFile,
  onProgress: (message: string) => void = () => {},
  options: { phase?: Phase } = {},
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
      const message = redactSecrets(e instanceof Error ? e.message : String(e)).split(ctx.source.serviceRoleKey).join("***");
      reports.push({
        validator: name,
        status: "failed",
        critical: false,
        checks: [{ name: `${name} validator`, status: "failed", message: `The ${name} validator could not run: ${message}` }],
        durationMs: Date.now() - started,
      });
    }
  };

  if (names.includes("connectivity")) {
    await guarded("connectivity", () => validateConnectivity({ sourceUrl: ctx.source.databaseUrl, targetUrl: ctx.target.databaseUrl, storage, secrets }));
  }
  const needsDatabases = names.some((n) => n !== "connectivity" && n !== "files");
  if (needsDatabases || names.includes("files")) {
    await withPgClients([ctx.source.databaseUrl, ctx.target.databaseUrl], async ([source, target]) => {
      const resolved = needsDatabases ? await resolveTableMappings(source!, target!, mapping) : undefined;
      if (resolved) {
        // The target's users table is compared with auth.users by the users validator, not as app data.
        const usersTable = resolveUsersMapping(mapping.users).targetTable;
        resolved.extraInTarget = resolved.extraInTarget.filter((t) => `${t.schema}.${t.table}` !== usersTable && t.table !== usersTable);
      }
      if (names.includes("schema")) await guarded("schema", () => validateSchema(source!, target!, resolved!));
      if (names.includes("data")) await guarded("data", () => validateData(source!, target!, resolved!, { onProgress }));
      if (names.includes("referential")) await guarded("referential", () => validateReferentialIntegrity(target!));
      if (names.includes("users")) {
        await guarded("users", () =>
          validateUsers({
            sourceClient: source!,
            targetClient: target!,
            usersMapping: mapping.users as Parameters<typeof validateUsers>[0]["usersMapping"],
            probe: ctx.target.apiUrl && ctx.signInProbeAccounts.length ? { apiUrl: ctx.target.apiUrl, accounts: ctx.signInProbeAccounts } : undefined,
          }),
        );
      }
      if (names.includes("files")) {
        await guarded("files", () =>
          validateFiles({
            storage,
            storageDir: ctx.target.storageDir,
            targetClient: target!,
            sourceUrl: ctx.source.supabaseUrl,
            urlReferences: options.phase === "files_migrated" ? "warn" : "fail",
          }),
        );
      }
    });
  }
  return reports;
}

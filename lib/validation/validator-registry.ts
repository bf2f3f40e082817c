/**
 * Every validator behind one port, in one registry. A validator receives what a validation run
 * knows (plain values, no app context) and, when it compares the databases, a pinned source/target
 * connection pair with the resolved table mapping. `Record<ValidatorName, …>` makes registering a
 * new validator name without its implementation a type error.
 */
import type pg from "pg";
import type { Phase } from "../domain/phases";
import type { ValidatorName } from "../domain/validators-for-phase";
import type { SupabaseStorageSource } from "../sources/supabase-storage";
import type { DiffOptions } from "./data-diff";
import type { MappingFile, ResolvedMappings } from "./mapping";
import type { ValidatorReport } from "./report";
import { validateConnectivity } from "./validate-connectivity";
import { validateData } from "./validate-data";
import { validateFiles } from "./validate-files";
import { validateReferentialIntegrity } from "./validate-referential";
import { validateSchema } from "./validate-schema";
import { validateUsers } from "./validate-users";

/** What one validation run knows, shared by every validator of the run. */
export interface ValidationInputs {
  sourceUrl: string;
  targetUrl: string;
  supabaseUrl: string;
  serviceRoleKey: string;
  storage: SupabaseStorageSource;
  storageDir: string;
  targetApiUrl?: string;
  signInProbeAccounts: ReadonlyArray<{ email: string; password: string }>;
  /** Kept out of every message a validator writes. */
  secrets: string[];
  mapping: MappingFile;
  phase?: Phase;
  onProgress: (message: string) => void;
  dataDiff?: Pick<DiffOptions, "betweenSnapshots">;
}

/** A pinned connection to each side, and the tables the mapping resolves to (resolved once per run, on first use). */
export interface DatabasePair {
  source: pg.Client;
  target: pg.Client;
  tables(): Promise<ResolvedMappings>;
}

export type Validator =
  | { readonly name: ValidatorName; readonly uses: "inputs"; run(inputs: ValidationInputs): Promise<ValidatorReport> }
  | { readonly name: ValidatorName; readonly uses: "databases"; run(inputs: ValidationInputs, pair: DatabasePair): Promise<ValidatorReport> };

export const VALIDATOR_REGISTRY: { readonly [N in ValidatorName]: Validator & { readonly name: N } } = {
  connectivity: {
    name: "connectivity",
    uses: "inputs",
    run: (i) => validateConnectivity({ sourceUrl: i.sourceUrl, targetUrl: i.targetUrl, storage: i.storage, secrets: i.secrets }),
  },
  schema: {
    name: "schema",
    uses: "databases",
    run: async (i, p) => validateSchema(p.source, p.target, await p.tables(), { mapping: i.mapping, phase: i.phase }),
  },
  data: {
    name: "data",
    uses: "databases",
    run: async (i, p) => validateData(p.source, p.target, await p.tables(), { onProgress: i.onProgress, diff: i.dataDiff }),
  },
  referential: {
    name: "referential",
    uses: "databases",
    run: (_i, p) => validateReferentialIntegrity(p.target),
  },
  users: {
    name: "users",
    uses: "databases",
    run: (i, p) =>
      validateUsers({
        sourceClient: p.source,
        targetClient: p.target,
        usersMapping: i.mapping.users as Parameters<typeof validateUsers>[0]["usersMapping"],
        probe: i.targetApiUrl && i.signInProbeAccounts.length ? { apiUrl: i.targetApiUrl, accounts: [...i.signInProbeAccounts] } : undefined,
      }),
  },
  files: {
    name: "files",
    uses: "databases",
    run: (i, p) =>
      validateFiles({
        storage: i.storage,
        sourceClient: p.source,
        serviceRoleKey: i.serviceRoleKey,
        storageDir: i.storageDir,
        targetClient: p.target,
        sourceUrl: i.supabaseUrl,
        // While files are being moved, URLs still pointing at Supabase Storage are expected.
        urlReferences: i.phase === "files_migrated" ? "warn" : "fail",
      }),
  },
};

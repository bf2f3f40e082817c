/**
 * Connectivity validator: both databases answer a trivial query and let us read their catalogs, and
 * the source's Storage lists its buckets. Messages never carry passwords or credentialed URLs.
 */
import type pg from "pg";
import { redactSecrets } from "../domain/redact-secrets";
import { connectPinnedClient } from "../sources/pg-clients";
import { COULD_NOT_RUN, summariseChecks, type ValidationCheck, type ValidatorReport } from "./report";
import { readSourceStorageUsageAt, storageAbsence } from "../sources/source-storage-usage";

export interface ValidateConnectivityOptions {
  sourceUrl: string;
  targetUrl: string;
  storage?: { listSourceBuckets(): Promise<ReadonlyArray<unknown>> };
  /** Other secrets to keep out of messages (e.g. the service-role key). */
  secrets?: string[];
  timeoutMs?: number;
}

/** The secrets inside a connection URL: its password and its userinfo as written (percent-encoded). */
function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return u.password ? [u.password, decodeURIComponent(u.password)] : [];
  } catch {
    return [url]; // an unparsable URL is redacted whole
  }
}

/** `host:port/database` of a connection URL, safe to show. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}

async function checkDatabase(side: "source" | "target", url: string, secrets: string[], timeoutMs: number): Promise<ValidationCheck> {
  const name = `${side} database reachable`;
  const started = Date.now();
  let client: pg.Client | undefined;
  try {
    // Pinned like every later connection: a server or pooler that refuses the pinned settings shows here.
    client = await connectPinnedClient({ connectionString: url, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs });
    const { rows } = await client.query<{ one: number; version: string }>("SELECT 1 AS one, current_setting('server_version') AS version");
    const catalog = await client.query<{ tables: string }>(
      `SELECT count(*)::text AS tables FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
    );
    return {
      name,
      status: rows[0]?.one === 1 ? "passed" : "failed",
      message: `${side} database ${describeDatabaseUrl(url)} answered (PostgreSQL ${rows[0]?.version}, ${catalog.rows[0]!.tables} user tables)`,
      details: { database: describeDatabaseUrl(url), serverVersion: rows[0]?.version, userTables: Number(catalog.rows[0]!.tables), ms: Date.now() - started },
    };
  } catch (e) {
    const err = e as Error & { code?: string };
    return {
      name,
      status: "failed",
      message: redactSecrets(`cannot read the ${side} database ${describeDatabaseUrl(url)}: ${err.message}`, secrets),
      details: { database: describeDatabaseUrl(url), code: err.code ?? null, ...COULD_NOT_RUN },
    };
  } finally {
    await client?.end().catch(() => {});
  }
}

export async function validateConnectivity(options: ValidateConnectivityOptions): Promise<ValidatorReport> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const secrets = [...(options.secrets ?? []), ...urlSecrets(options.sourceUrl), ...urlSecrets(options.targetUrl)];
  const checks = await Promise.all([
    checkDatabase("source", options.sourceUrl, secrets, timeoutMs),
    checkDatabase("target", options.targetUrl, secrets, timeoutMs),
  ]);
  // A source whose database holds no Storage objects has no Storage to reach: it is not asked.
  const storageUsage = checks[0]!.status === "passed" ? await readSourceStorageUsageAt(options.sourceUrl).catch(() => null) : null;
  const storageAbsent = storageUsage ? storageAbsence(storageUsage) : null;
  if (storageAbsent) {
    checks.push({ name: "source storage reachable", status: "skipped", message: `${storageAbsent}; its Storage API was not asked` });
  } else if (options.storage) {
    try {
      const buckets = await options.storage.listSourceBuckets();
      const inDatabase = storageUsage?.objectsTable ? storageUsage.buckets.length : null;
      // Storage answers a key that may not see a bucket (the anon key) with a shorter list, not an error.
      checks.push(
        inDatabase !== null && buckets.length < inDatabase
          ? {
              name: "source storage reachable",
              status: "failed",
              message: `source storage listed ${buckets.length} of the ${inDatabase} bucket(s) in the source database: SUPABASE_SERVICE_ROLE_KEY cannot see them all (is it the anon key?)`,
              details: { buckets: buckets.length, inDatabase },
            }
          : { name: "source storage reachable", status: "passed", message: `source storage listed ${buckets.length} bucket(s)`, details: { buckets: buckets.length } },
      );
    } catch (e) {
      checks.push({ name: "source storage reachable", status: "failed", message: redactSecrets(`cannot list the source's storage buckets: ${(e as Error).message}`, secrets), details: { ...COULD_NOT_RUN } });
    }
  } else {
    checks.push({ name: "source storage reachable", status: "skipped", message: "no storage adapter configured" });
  }
  return { validator: "connectivity", status: summariseChecks(checks), critical: false, checks, durationMs: Date.now() - started };
}

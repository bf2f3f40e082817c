import pg from "pg";
import { randomBytes } from "node:crypto";
import { AppError } from "../domain/errors";
import { redactSecrets, passwordOf, urlForDatabase, redactUrl } from "./pg-tools";
import { connectPinnedClient } from "../sources/pg-clients";

import { quoteIdent } from "../sql/quote";

export { quoteIdent };

/**
 * Runs `fn` with a connected client, its output settings pinned like every connection to a source or
 * target; connection failures become a clear, redacted AppError.
 */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  let client: pg.Client;
  try {
    client = await connectPinnedClient(url);
  } catch (e) {
    throw new AppError(
      "backup_failed",
      `cannot connect to ${redactUrl(url)}: ${redactSecrets((e as Error).message, [passwordOf(url)])}`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs `fn` connected to a maintenance database of the same server (`postgres`, else `template1`):
 * creating, renaming and dropping a database needs a session that is not inside it.
 */
export async function withMaintenanceClient<T>(databaseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  try {
    return await withClient(urlForDatabase(databaseUrl, "postgres"), fn);
  } catch (e) {
    if (e instanceof AppError && /database "postgres" does not exist/.test(e.message)) {
      return withClient(urlForDatabase(databaseUrl, "template1"), fn);
    }
    throw e;
  }
}

/** A name of at most 63 bytes (PostgreSQL's limit) made of a base and a suffix. */
export function derivedName(base: string, suffix: string): string {
  const room = 63 - Buffer.byteLength(suffix);
  let cut = base;
  while (Buffer.byteLength(cut) > room) cut = cut.slice(0, -1);
  return cut + suffix;
}

export function randomTag(): string {
  return randomBytes(4).toString("hex");
}

/**
 * Whether `name` is `derivedName(base, fixed + v)` for a variable part `v` of `variable`'s shape;
 * `sample` is one such part (all have its length), which tells how much of `base` the name keeps.
 */
function isDerivedNameOf(base: string, fixed: string, sample: string, variable: RegExp, name: string): boolean {
  const prefix = derivedName(base, fixed + sample).slice(0, -sample.length);
  return name.startsWith(prefix) && variable.test(name.slice(prefix.length));
}

/** Whether `name` is `derivedName(base, suffix + randomTag())`: a database this app named after `base`. */
export function isTaggedNameOf(base: string, suffix: string, name: string): boolean {
  return isDerivedNameOf(base, suffix, "00000000", /^[0-9a-f]{8}$/, name);
}

const REPLACED_INFIX = "_old_";

/** Whether `name` is the name a swap gives the database it replaces (`<target>_old_<timestamp>_<tag>`). */
export function isReplacedDatabaseOf(target: string, name: string): boolean {
  return isDerivedNameOf(target, REPLACED_INFIX, `${"0".repeat(14)}_00000000`, /^\d{14}_[0-9a-f]{8}$/, name);
}

export function timestampTag(d = new Date()): string {
  return d.toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);
}

export async function serverMajorVersion(c: pg.Client): Promise<number> {
  const { rows } = await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Math.floor(Number(rows[0]!.v) / 10000);
}

export async function databaseExists(c: pg.Client, name: string): Promise<boolean> {
  const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return (rowCount ?? 0) > 0;
}

export interface DatabaseLocale {
  encoding: string;
  collate: string;
  ctype: string;
}

export async function databaseLocale(c: pg.Client, name: string): Promise<DatabaseLocale | undefined> {
  const { rows } = await c.query<DatabaseLocale>(
    `SELECT pg_encoding_to_char(encoding) AS encoding, datcollate AS collate, datctype AS ctype
       FROM pg_database WHERE datname = $1`,
    [name],
  );
  return rows[0];
}

/** Terminates every other session of `db` and waits (bounded) until they are gone. */
export async function terminateSessions(c: pg.Client, db: string, timeoutMs = 10_000): Promise<number> {
  const { rowCount } = await c.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [db],
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await c.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [db],
    );
    if (rows[0]!.n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return rowCount ?? 0;
}

export async function otherSessionCount(c: pg.Client, db: string): Promise<number> {
  const { rows } = await c.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [db],
  );
  return rows[0]!.n;
}

export async function createEmptyDatabase(c: pg.Client, name: string, locale?: DatabaseLocale): Promise<void> {
  let sql = `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`;
  if (locale) {
    sql += ` ENCODING ${c.escapeLiteral(locale.encoding)} LC_COLLATE ${c.escapeLiteral(locale.collate)} LC_CTYPE ${c.escapeLiteral(locale.ctype)}`;
  }
  await c.query(sql);
}

export async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

const OBJECT_IN_USE = "55006";

/**
 * Retries `op` while PostgreSQL says the database is in use by other sessions, terminating them
 * before each attempt. Why a loop: a client (e.g. a pool) may reconnect between terminate and op.
 */
export async function withSessionsTerminated<T>(c: pg.Client, db: string, op: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    await terminateSessions(c, db);
    try {
      return await op();
    } catch (e) {
      if ((e as { code?: string }).code !== OBJECT_IN_USE || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}

/**
 * Replaces `target` by `fresh` in one transaction: target → `<target>_old_<ts>`, fresh → target.
 * Nobody ever sees a half-restored target: before the commit it is the old one, after it the new one.
 * The old database is dropped afterwards unless `keepOld`.
 */
export async function swapDatabases(
  c: pg.Client,
  opts: { target: string; fresh: string; keepOld?: boolean },
): Promise<{ oldDatabase?: string; keptOld: boolean; dropError?: string }> {
  if (!(await databaseExists(c, opts.target))) {
    // Nothing to replace (the target was dropped): the fresh database simply takes its name.
    await withSessionsTerminated(c, opts.fresh, () =>
      c.query(`ALTER DATABASE ${quoteIdent(opts.fresh)} RENAME TO ${quoteIdent(opts.target)}`),
    );
    return { keptOld: false };
  }
  const oldDatabase = derivedName(opts.target, `${REPLACED_INFIX}${timestampTag()}_${randomTag()}`);
  await withSessionsTerminated(c, opts.target, async () => {
    await c.query("BEGIN");
    try {
      await c.query(`ALTER DATABASE ${quoteIdent(opts.target)} RENAME TO ${quoteIdent(oldDatabase)}`);
      await c.query(`ALTER DATABASE ${quoteIdent(opts.fresh)} RENAME TO ${quoteIdent(opts.target)}`);
      await c.query("COMMIT");
    } catch (e) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw e;
    }
  });
  if (opts.keepOld) return { oldDatabase, keptOld: true };
  try {
    await dropDatabase(c, oldDatabase);
    return { oldDatabase, keptOld: false };
  } catch (e) {
    // The restore itself succeeded; a leftover copy is reported, not turned into a failure.
    return { oldDatabase, keptOld: true, dropError: (e as Error).message };
  }
}

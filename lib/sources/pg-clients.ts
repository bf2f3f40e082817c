import pg from "pg";

/**
 * Session settings that change how a value prints (or how a name resolves), pinned on every connection
 * the product opens to a source, a target or a copy of one (drill scratch, template snapshot), so that a
 * checksum, a fingerprint or a diff never depends on a setting made per server, database, role or session.
 *
 * The values are PostgreSQL's own defaults (what a fresh cluster prints with), so checksums recorded
 * earlier by a session that ran under default settings stay comparable. `lc_monetary` / `lc_numeric`
 * 'C' keep money at 2 decimal places and to_char's separators plain; `search_path` keeps `regtype` and
 * `pg_get_expr` text the same on both sides. It resolves names as the default `"$user", public` does
 * where no schema is named after the user (the product names other schemas' objects qualified), with
 * pg_catalog first so that no user object shadows a built-in; Supabase's `extensions` schema (ignored
 * where absent) keeps extension types such as citext named as Supabase's own default path names them.
 */
export const PINNED_SESSION_SETTINGS: ReadonlyArray<readonly [name: string, value: string]> = [
  ["TimeZone", "UTC"],
  ["DateStyle", "ISO, MDY"],
  ["IntervalStyle", "postgres"],
  ["extra_float_digits", "1"],
  ["bytea_output", "hex"],
  ["standard_conforming_strings", "on"],
  ["lc_monetary", "C"],
  ["lc_numeric", "C"],
  ["lc_time", "C"],
  ["search_path", "pg_catalog, public, extensions"],
];

/** Anything that runs a parameterised query (a client, or a pool's client). */
interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * Pins `PINNED_SESSION_SETTINGS` on the session, in one statement. With `local`, only until the end of
 * the current transaction.
 *
 * Set after connecting rather than sent as startup `options`: poolers (pgbouncer, Supavisor) refuse
 * unknown startup parameters, while a SET passes through any session-mode pooler. A transaction-mode
 * pooler may run later statements on another server session: comparisons need a direct or session-mode
 * connection (pg_dump needs one anyway).
 */
export async function pinSessionSettings(client: Queryable, opts: { local?: boolean } = {}): Promise<void> {
  const calls = PINNED_SESSION_SETTINGS.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, ${opts.local ? "true" : "false"})`);
  await client.query(`SELECT ${calls.join(", ")}`, PINNED_SESSION_SETTINGS.flat());
}

/**
 * The one way the product connects to a source, a target or a copy of one: a connected client whose
 * output settings are pinned. A dropped connection fails the client's next query; its 'error' event is
 * listened to so that it cannot crash the process. On failure the client is closed and the error thrown.
 */
export async function connectPinnedClient(config: string | pg.ClientConfig): Promise<pg.Client> {
  const options = typeof config === "string" ? { connectionString: config } : config;
  const client = new pg.Client({ application_name: "migration-checkpoints", ...options });
  client.on("error", () => {});
  try {
    await client.connect();
    await pinSessionSettings(client);
    return client;
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
}

/** Opens one pinned client per URL (see `connectPinnedClient`), runs `fn`, and always closes them. */
export async function withPgClients<T>(urls: string[], fn: (clients: pg.Client[]) => Promise<T>): Promise<T> {
  const opened = await Promise.allSettled(urls.map((url) => connectPinnedClient(url)));
  const clients = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  try {
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw failed.reason;
    return await fn(clients);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

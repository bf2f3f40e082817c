import pg from "pg";

export interface SessionLock {
  release(): Promise<void>;
}

/**
 * Tries to take the advisory lock (`lockClass`, hashtext(`key`)) on a dedicated connection to
 * `databaseUrl`, held until `release()`; if the process dies, the server frees it with the session.
 * Resolves to null when another session holds it. `shared`: a shared hold, which only an exclusive
 * one excludes (many holders at once).
 */
export async function tryHoldSessionLock(databaseUrl: string, lockClass: number, key: string, applicationName: string, options: { shared?: boolean } = {}): Promise<SessionLock | null> {
  const mode = options.shared ? "_shared" : "";
  const client = new pg.Client({ connectionString: databaseUrl, application_name: applicationName });
  await client.connect();
  // A lock connection that drops (server restart) must not crash the process; the lock is gone with it.
  client.on("error", () => {});
  try {
    const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock${mode}($1::int, hashtext($2)) AS locked`, [lockClass, key]);
    if (!rows[0]?.locked) {
      await client.end().catch(() => {});
      return null;
    }
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query(`SELECT pg_advisory_unlock${mode}($1::int, hashtext($2))`, [lockClass, key]);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

import pg from "pg";

/** Opens one pg client per URL, runs `fn`, and always closes them. */
export async function withPgClients<T>(urls: string[], fn: (clients: pg.Client[]) => Promise<T>): Promise<T> {
  const clients = urls.map((connectionString) => {
    const client = new pg.Client({ connectionString, application_name: "migration-checkpoints" });
    // A connection terminated between queries is reported by the next query (it fails: "not queryable");
    // unlistened, the client's 'error' event would crash the whole process.
    client.on("error", () => {});
    return client;
  });
  try {
    await Promise.all(clients.map((c) => c.connect()));
    return await fn(clients);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

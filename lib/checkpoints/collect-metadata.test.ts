import { describe, expect, it } from "vitest";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { adminUrl, createScratchDatabase } from "../../test/pg";
import { createStorageSchema } from "../../demo/storage-server/schema";
import { createAppContext } from "../context";
import { envSchema } from "../env";
import { collectCheckpointMetadata } from "./collect-metadata";

async function databaseWith(prefix: string, sql: string, more?: (c: pg.Client) => Promise<void>): Promise<string> {
  const url = await createScratchDatabase(prefix);
  const c = new pg.Client(url);
  await c.connect();
  try {
    await c.query(sql);
    await more?.(c);
  } finally {
    await c.end();
  }
  return url;
}

/** A context over the given source and target; nothing listens at SUPABASE_URL (it is never asked). */
function contextFor(sourceUrl: string, targetUrl: string, storageDir: string) {
  return createAppContext(
    envSchema.parse({
      DATABASE_URL: adminUrl(),
      SUPABASE_DB_URL: sourceUrl,
      SUPABASE_URL: "http://127.0.0.1:9",
      SUPABASE_SERVICE_ROLE_KEY: "unused",
      TARGET_DATABASE_URL: targetUrl,
      TARGET_STORAGE_DIR: storageDir,
      BACKUP_DIR: storageDir,
    }),
  );
}

const APP = "CREATE TABLE public.notes (id int PRIMARY KEY); INSERT INTO public.notes SELECT generate_series(1, 3);";

describe("collectCheckpointMetadata", () => {
  it("records 0 users and 0 files, with the reasons, for a source without auth and storage schemas", async () => {
    const source = await databaseWith("cmbaresrc", APP);
    const target = await databaseWith("cmbaretgt", APP);
    const messages: string[] = [];
    const m = await collectCheckpointMetadata(contextFor(source, target, await mkdtemp(path.join(os.tmpdir(), "cm-bare-"))), (p) => {
      if (p.message) messages.push(p.message);
    });
    expect(m.totals).toEqual({ usersTotal: 0, usersMigrated: 0, filesTotal: 0, filesMigrated: 0, bytesTotal: 0n, bytesMigrated: 0n });
    expect(m.notes).toEqual([
      "the source does not use Supabase Auth: it has no auth.users table",
      "the source does not use Storage: its database has no storage.objects table",
    ]);
    expect(messages).toContain("users: 0 (the source does not use Supabase Auth: it has no auth.users table)");
    expect(m.tables).toMatchObject([{ sourceTable: expect.stringContaining("notes"), sourceRowCount: 3n, targetRowCount: 3n }]);
  });

  it("counts users from auth.users and files from storage.objects, a file migrated only when its size matches", async () => {
    const u = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
    const source = await databaseWith(
      "cmsrc",
      `${APP} CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY, deleted_at timestamptz);
       INSERT INTO auth.users VALUES ('${u(1)}', NULL), ('${u(2)}', NULL), ('${u(3)}', now());`,
      async (c) => {
        await createStorageSchema(c);
        await c.query(`INSERT INTO storage.buckets (id, name) VALUES ('avatars', 'avatars'), ('docs', 'docs');
          INSERT INTO storage.objects (bucket_id, name, metadata) VALUES
            ('avatars', 'a.png', '{"size": 5}'), ('avatars', 'b/c.png', '{"size": 7}'),
            ('docs', 'gone.txt', '{"size": 11}'), ('docs', '../../outside.txt', '{"size": 3}')`);
      },
    );
    const target = await databaseWith("cmtgt", `${APP} CREATE TABLE public.users (id uuid PRIMARY KEY); INSERT INTO public.users VALUES ('${u(1)}');`);
    const storageDir = await mkdtemp(path.join(os.tmpdir(), "cm-files-"));
    await mkdir(path.join(storageDir, "avatars", "b"), { recursive: true });
    await writeFile(path.join(storageDir, "avatars", "a.png"), "12345");
    await writeFile(path.join(storageDir, "avatars", "b", "c.png"), "short");
    await writeFile(path.join(storageDir, "outside.txt"), "abc");
    const m = await collectCheckpointMetadata(contextFor(source, target, storageDir));
    expect(m.totals).toEqual({ usersTotal: 2, usersMigrated: 1, filesTotal: 4, filesMigrated: 1, bytesTotal: 26n, bytesMigrated: 5n });
    expect(m.notes).toEqual([]);
  });
});

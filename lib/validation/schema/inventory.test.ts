import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { createScratchDatabase } from "../../../test/pg";
import { connectPinnedClient, pinSessionSettings } from "../../sources/pg-clients";
import { readSchemaInventory } from "./inventory";
import { schemaFingerprint } from "./inventory-types";
import { compareInventories } from "./compare-inventories";

let db: pg.Client;

/** Runs DDL under the default path (the pinned one starts with pg_catalog), then pins the session again. */
async function ddl(sql: string) {
  await db.query("SET search_path = public");
  await db.query(sql);
  await pinSessionSettings(db);
}

beforeAll(async () => {
  db = await connectPinnedClient(await createScratchDatabase("inv"));
  await ddl(`
    CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);
    CREATE SCHEMA storage; CREATE TABLE storage.objects (id uuid PRIMARY KEY);
    CREATE TYPE mood AS ENUM ('sad', 'ok');
    CREATE TABLE "My T" (id serial PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY, owner uuid REFERENCES auth.users(id) ON DELETE CASCADE,
      avatar uuid REFERENCES storage.objects(id), m mood, created_at timestamptz NOT NULL DEFAULT now(), c text CHECK (length(c) < 10),
      d int GENERATED ALWAYS AS (id * 2) STORED);
    CREATE INDEX "my idx" ON "My T" (lower(c)) WHERE c IS NOT NULL;
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER t1 BEFORE UPDATE ON "My T" FOR EACH ROW EXECUTE FUNCTION touch();
    CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION touch();
    CREATE TRIGGER storage_trigger AFTER INSERT ON storage.objects FOR EACH ROW EXECUTE FUNCTION touch();
    CREATE SCHEMA vault; CREATE TABLE vault.secrets (name text, secret text);
    INSERT INTO vault.secrets VALUES ('api_key', 'the-secret-value');
    INSERT INTO "My T" (c) VALUES ('a'), ('b');`);
});
afterAll(async () => db.end());

const find = (inv: Awaited<ReturnType<typeof readSchemaInventory>>, kind: string) => inv.objects.filter((o) => o.kind === kind);

describe("readSchemaInventory", () => {
  it("keys objects by what they are, with the names left out of constraints, indexes and triggers", async () => {
    const inv = await readSchemaInventory(db);
    expect(inv.schemas).toEqual(["public"]);
    expect(find(inv, "constraint").map((o) => o.identity).sort()).toEqual([
      'public."My T" CHECK (length(c) < 10)',
      'public."My T" FOREIGN KEY (avatar) REFERENCES storage.objects(id)',
      'public."My T" FOREIGN KEY (owner) REFERENCES auth.users(id) ON DELETE CASCADE',
      'public."My T" PRIMARY KEY (id)',
    ]);
    expect(find(inv, "index").map((o) => o.identity)).toEqual(['CREATE INDEX ON public."My T" USING btree (lower(c)) WHERE (c IS NOT NULL)']);
    // The trigger on auth.users is the application's; one on another Supabase table is not read.
    expect(find(inv, "trigger").map((o) => o.definition).sort()).toEqual([
      "CREATE TRIGGER AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION touch()",
      'CREATE TRIGGER BEFORE UPDATE ON "My T" FOR EACH ROW EXECUTE FUNCTION touch()',
    ]);
    const columns = Object.fromEntries(find(inv, "column").map((o) => [o.name, o.definition]));
    expect(columns).toMatchObject({
      id: `integer NOT NULL DEFAULT nextval('"My T_id_seq"'::regclass)`,
      n: "integer NOT NULL GENERATED ALWAYS AS IDENTITY",
      created_at: "timestamp with time zone NOT NULL DEFAULT now()",
      d: "integer GENERATED ALWAYS AS (id * 2) STORED",
    });
    expect(find(inv, "type").map((o) => [o.identity, o.definition])).toEqual([["public.mood", "ENUM ('sad', 'ok')"]]);
  });

  it("reads Vault secret names, never a secret", async () => {
    const inv = await readSchemaInventory(db);
    expect(find(inv, "vault_secret").map((o) => o.identity)).toEqual(["api_key"]);
    expect(JSON.stringify(inv)).not.toContain("the-secret-value");
    expect(inv.optionalCatalogs).toEqual({ cron: false, vault: true });
  });

  it("reads a sequence's last value and, when asked, the largest value of the columns it feeds", async () => {
    const plain = await readSchemaInventory(db);
    const withMax = await readSchemaInventory(db, { sequenceColumnMax: true });
    const seq = (inv: typeof plain) => find(inv, "sequence").find((o) => o.identity === 'OWNED BY public."My T".id')!;
    expect(seq(plain).details).toMatchObject({ lastValue: "2", feeds: [{ table: 'public."My T"', column: "id" }] });
    expect(seq(plain).details!.feeds).toEqual([{ table: 'public."My T"', column: "id" }]);
    expect(seq(withMax).details!.feeds).toEqual([{ table: 'public."My T"', column: "id", max: "2" }]);
    // The value is not part of the definition: writing rows does not move the fingerprint.
    expect(schemaFingerprint(plain)).toBe(schemaFingerprint(withMax));
  });

  it("fingerprints the schema: unchanged by renaming a constraint or an index or by writing rows, changed by a definition", async () => {
    const before = await readSchemaInventory(db);
    await ddl(`ALTER TABLE "My T" RENAME CONSTRAINT "My T_c_check" TO c_short; ALTER INDEX "my idx" RENAME TO idx_lower_c; INSERT INTO "My T" (c) VALUES ('c');`);
    const renamed = await readSchemaInventory(db);
    expect(schemaFingerprint(renamed)).toBe(schemaFingerprint(before));
    expect(compareInventories(before, renamed, { drift: true })).toEqual([]);

    await ddl(`ALTER TABLE "My T" ALTER COLUMN created_at DROP DEFAULT;`);
    const changed = await readSchemaInventory(db);
    expect(schemaFingerprint(changed)).not.toBe(schemaFingerprint(before));
    expect(compareInventories(before, changed, { drift: true })).toEqual([
      expect.objectContaining({ kind: "column", identity: 'public."My T".created_at', change: "changed", verdict: "failure", reason: "default now() is gone" }),
    ]);
  });
});

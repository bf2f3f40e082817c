import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { withClient } from "./pg-admin";
import { fingerprintDatabase, fingerprintDatabaseAt } from "./pg-fingerprint";
import { FIXTURE_SQL, sql } from "./test-fixtures";

let url: string;
beforeAll(async () => {
  url = await createScratchDatabase("fp");
  await sql(url, FIXTURE_SQL);
});

describe("database fingerprint", () => {
  it("is the same over several sessions as over one, table for table", async () => {
    const single = await withClient(url, fingerprintDatabase);
    expect(single.tables.map((t) => t.name)).toEqual(["app.posts", "app.users", "public.settings"]);
    expect(await fingerprintDatabaseAt(url, 3)).toEqual(single);
    expect(await fingerprintDatabaseAt(url, 1)).toEqual(single);
  });

  it("keeps the checksum recorded by earlier versions (a numeric sum of the md5 prefixes)", async () => {
    const { rows } = await sql(url, `SELECT coalesce(sum(('x' || substr(md5(x::text), 1, 16))::bit(64)::bigint::numeric), 0)::text AS c FROM ONLY app.users x`);
    const fp = await fingerprintDatabaseAt(url);
    expect(fp.tables.find((t) => t.name === "app.users")!.checksum).toBe(rows[0].c);
  });

  it("sees a one-row change in any table", async () => {
    const before = await fingerprintDatabaseAt(url);
    await sql(url, "UPDATE app.posts SET title = 'changed' WHERE id = 1500");
    try {
      const after = await fingerprintDatabaseAt(url);
      expect(after.tables.filter((t, i) => t.checksum !== before.tables[i]!.checksum).map((t) => t.name)).toEqual(["app.posts"]);
    } finally {
      await sql(url, "UPDATE app.posts SET title = 'post 1500' WHERE id = 1500");
    }
  });

  it("leaves no session or transaction open behind it", async () => {
    await fingerprintDatabaseAt(url, 2);
    const c = new pg.Client(url);
    await c.connect();
    try {
      // A closed session's backend may take a moment to leave pg_stat_activity.
      let n = -1;
      for (let i = 0; i < 50 && n !== 0; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        const { rows } = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        n = rows[0].n;
      }
      expect(n).toBe(0);
    } finally {
      await c.end();
    }
  });
});

import { describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";

describe("test PostgreSQL", () => {
  it("gives each test file a real, empty database of PostgreSQL 15", async () => {
    const url = await createScratchDatabase();
    const client = new pg.Client(url);
    await client.connect();
    const { rows } = await client.query("SELECT current_setting('server_version_num')::int AS v");
    await client.end();
    expect(Math.floor(rows[0].v / 10000)).toBe(15);
  });
});

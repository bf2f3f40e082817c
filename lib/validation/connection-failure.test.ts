import { describe, expect, it } from "vitest";
import pg from "pg";
import { isConnectionFailure } from "./connection-failure";

describe("isConnectionFailure", () => {
  it("recognises a refused connection from a real client", async () => {
    const client = new pg.Client({ connectionString: "postgresql://nobody:x@127.0.0.1:1/none", connectionTimeoutMillis: 2000 });
    const error = await client.connect().then(() => null, (e: unknown) => e);
    expect(error).not.toBeNull();
    expect(isConnectionFailure(error)).toBe(true);
  });

  it("recognises dropped connections by SQLSTATE and by the text tools print", () => {
    expect(isConnectionFailure(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error("x"), { code: "08006" }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error('database "app" does not exist'), { code: "3D000" }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error('password authentication failed for user "app"'), { code: "28P01" }))).toBe(true);
    expect(isConnectionFailure(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isConnectionFailure(new Error('cannot read the source database: database "app" does not exist'))).toBe(true);
    expect(isConnectionFailure(new Error('pg_restore failed (exit code 1): connection to server at "db" (10.0.0.1), port 5432 failed: Connection refused'))).toBe(true);
  });

  it("does not take an answer about the data for one", () => {
    expect(isConnectionFailure(new Error("backup /b/database failed verification, nothing was restored: dump/3.dat altered"))).toBe(false);
    expect(isConnectionFailure(Object.assign(new Error('relation "public.tasks" does not exist'), { code: "42P01" }))).toBe(false);
    expect(isConnectionFailure(Object.assign(new Error("permission denied for table tasks"), { code: "42501" }))).toBe(false);
    expect(isConnectionFailure(null)).toBe(false);
    expect(isConnectionFailure("ECONNREFUSED")).toBe(false);
  });
});

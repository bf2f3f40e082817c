import { describe, expect, it } from "vitest";
import { selectDatabaseEngine } from "./index";

describe("selectDatabaseEngine", () => {
  const base = { TARGET_DATABASE_URL: "postgresql://u:p@localhost:5432/app", PG_DUMP_JOBS: 3, PG_BIN_DIR: undefined };
  it("follows DATABASE_BACKUP_ENGINE", () => {
    expect(selectDatabaseEngine({ ...base, DATABASE_BACKUP_ENGINE: "pg_dump" }).name).toBe("pg_dump");
    expect(selectDatabaseEngine({ ...base, DATABASE_BACKUP_ENGINE: "template" }).name).toBe("template");
  });
  it("refuses a connection string without a database, without echoing the password", () => {
    expect(() => selectDatabaseEngine({ ...base, TARGET_DATABASE_URL: "postgresql://u:hunter22@localhost:5432", DATABASE_BACKUP_ENGINE: "pg_dump" }))
      .toThrow(/names no database: postgresql:\/\/u:\*\*\*@localhost:5432/);
  });
});

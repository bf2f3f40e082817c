import { describe, expect, it } from "vitest";
import { createPgDumpEngine } from "./database-pgdump";
import { databaseNameOf } from "./pg-tools";

describe("databaseNameOf", () => {
  it("reads the database a connection string names", () => {
    expect(databaseNameOf("postgresql://u:p@localhost:5432/app")).toBe("app");
    expect(databaseNameOf("postgresql://u:p@localhost:5432/my%20db")).toBe("my db");
  });
  it("refuses a connection string without a database, without echoing the password (so does an engine built on it)", () => {
    const url = "postgresql://u:hunter22@localhost:5432";
    for (const build of [() => databaseNameOf(url), () => createPgDumpEngine({ databaseUrl: url, jobs: 3 })]) {
      const message = (() => {
        try {
          build();
        } catch (e) {
          return (e as Error).message;
        }
        return "no error";
      })();
      expect(message).toMatch(/^connection string names no database: postgresql:\/\/u:.+@localhost:5432$/);
      expect(message).not.toContain("hunter22");
    }
  });
});

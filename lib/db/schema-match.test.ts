import { beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { disconnectAll, getDb } from "./client";
import { migrateDatabase } from "./migrate";
import { diffSchema, parsePrismaSchema } from "./migrate-schema-diff";
import { readDatabaseShape, type DatabaseShape } from "./migrate-schema-shape";

// The database that prisma/migrations builds must be the one prisma/schema.prisma describes: the
// Prisma client trusts the schema file, the database runs the migrations.
const schemaPath = new URL("../../prisma/schema.prisma", import.meta.url);
let schemaText: string;
let shape: DatabaseShape;
let dbUrl: string;

beforeAll(async () => {
  schemaText = await readFile(schemaPath, "utf8");
  const url = await createScratchDatabase("schema");
  dbUrl = url;
  await migrateDatabase(url);
  const client = new pg.Client(url);
  await client.connect();
  try {
    shape = await readDatabaseShape(client);
  } finally {
    await client.end();
  }
});

/** schema.prisma with one edit; fails loudly if the edit no longer applies to the file. */
function edited(find: string | RegExp, replace: string): string {
  const next = schemaText.replace(find, replace);
  expect(next, `edit ${String(find)} did not apply to schema.prisma`).not.toBe(schemaText);
  return next;
}

describe("migrated database vs prisma/schema.prisma", () => {
  it("has every model, field, enum, index and foreign key of the schema, and nothing else", () => {
    const dm = parsePrismaSchema(schemaText);
    expect(dm.models.length).toBeGreaterThan(0);
    expect(dm.enums.length).toBeGreaterThan(0);
    expect(diffSchema(dm, shape)).toEqual([]);
  });

  it("reads the enums' values in order and enum arrays as arrays of the enum type", () => {
    expect(shape.enums.get("Phase")).toEqual([
      "initial",
      "schema_extracted",
      "data_migrated",
      "users_migrated",
      "files_migrated",
      "validation_complete",
      "production_ready",
    ]);
    expect(shape.tables.get("rollbacks")?.get("components")).toMatchObject({ dataType: "ARRAY", udtName: "_BackupComponent" });
  });

  it("is usable by the generated Prisma client: defaults, enum arrays, relations, cascades", async () => {
    const db = getDb(dbUrl);
    try {
      const cp = await db.checkpoint.create({
        data: {
          name: "cp-1",
          phase: "initial",
          targetKey: "t",
          createdBy: "alice",
          backups: { create: [{ component: "database", engine: "pg_dump", sizeBytes: 5_000_000_000n }] },
          metadata: { create: {} },
        },
        include: { backups: true, metadata: true },
      });
      expect(cp.status).toBe("created");
      expect(cp.backups[0]?.sizeBytes).toBe(5_000_000_000n);
      expect(cp.metadata?.timings).toEqual({});
      const rb = await db.rollback.create({
        data: { checkpointId: cp.id, components: ["database", "config"], requestedBy: "alice" },
      });
      expect(rb.components).toEqual(["database", "config"]);
      // A checkpoint that was rolled back to cannot be deleted (Restrict); its backups cascade.
      await expect(db.checkpoint.delete({ where: { id: cp.id } })).rejects.toThrow();
      await db.rollback.delete({ where: { id: rb.id } });
      await db.checkpoint.delete({ where: { id: cp.id } });
      expect(await db.checkpointBackup.count()).toBe(0);
    } finally {
      await disconnectAll();
    }
  });
});

describe("the comparison catches a schema change that has no migration", () => {
  const cases: { change: string; schema: () => string; expected: string }[] = [
    {
      change: "a new field",
      schema: () => edited("  @@index([phase, status])", '  extraNote String? @map("extra_note")\n\n  @@index([phase, status])'),
      expected: 'Checkpoint.extraNote ("checkpoints"."extra_note"): column is missing',
    },
    {
      change: "a new model",
      schema: () => edited("model Job {", "model Widget {\n  id Int @id\n}\n\nmodel Job {"),
      expected: 'model Widget: table "Widget" is missing',
    },
    {
      change: "a new enum value",
      schema: () => edited("  complete\n  failed\n}", "  complete\n  failed\n  cancelled\n}"),
      expected: "enum BackupStatus: values are [pending, running, complete, failed], schema says [pending, running, complete, failed, cancelled]",
    },
    {
      change: "an optional field made required",
      schema: () => edited(/description\s+String\?/, "description String"),
      expected: 'Checkpoint.description ("checkpoints"."description"): column is NULL, schema says required',
    },
    {
      change: "a changed type",
      schema: () => edited(/attempts\s+Int /, "attempts BigInt "),
      expected: 'Job.attempts ("jobs"."attempts"): type is int4, schema needs int8',
    },
    {
      change: "a field made a list",
      schema: () => edited(/component\s+BackupComponent\?/, "component BackupComponent[]"),
      expected: 'RollbackStep.component ("rollback_steps"."component"): type is BackupComponent, schema needs _BackupComponent',
    },
    {
      change: "a removed field",
      schema: () => edited(/\n\s+origin\s+String\?/, ""),
      expected: 'model AuditEvent: column "audit_events"."origin" is not in the schema',
    },
    {
      change: "a new index",
      schema: () => edited("  @@map(\"rollbacks\")", '  @@index([status])\n  @@map("rollbacks")'),
      expected: 'Rollback: normal index "rollbacks_status_idx" on (status) is missing',
    },
    {
      change: "a changed delete rule",
      schema: () => edited("references: [id], onDelete: Restrict)", "references: [id], onDelete: Cascade)"),
      expected: 'Rollback.checkpoint: foreign key "rollbacks_checkpoint_id_fkey" is ON DELETE Restrict, schema says Cascade',
    },
  ];
  for (const c of cases) {
    it(`reports ${c.change}`, () => {
      expect(diffSchema(parsePrismaSchema(c.schema()), shape)).toContain(c.expected);
    });
  }
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { compareColumnTypes } from "./column-type-compat";
import { resolveTableMappings, type MappingFile } from "./mapping";
import { normaliseExpression, validateSchema } from "./validate-schema";

let source: pg.Client;
let target: pg.Client;

const SOURCE_DDL = `
  CREATE SCHEMA auth;
  CREATE TABLE auth.users (id uuid PRIMARY KEY, email varchar(255));
  CREATE TYPE task_status AS ENUM ('todo', 'doing', 'done');
  CREATE TABLE profiles (id uuid PRIMARY KEY REFERENCES auth.users(id), username varchar(40) UNIQUE, bio varchar(200),
    created_at timestamp, settings json);
  CREATE TABLE tasks (id int4 PRIMARY KEY, owner uuid NOT NULL REFERENCES auth.users(id), title text NOT NULL,
    status task_status NOT NULL, priority smallint, price numeric(10,2));
  CREATE INDEX tasks_owner_idx ON tasks (owner);
  CREATE UNIQUE INDEX tasks_owner_title_key ON tasks (owner, lower(title)) WHERE status <> 'done';`;

/** What a correct NestJS migration looks like: widened types, its own index names, users instead of auth.users. */
const TARGET_DDL = `
  CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL, password_hash text, role text);
  CREATE TYPE task_state AS ENUM ('todo', 'doing', 'done');
  CREATE TABLE profiles (id uuid PRIMARY KEY REFERENCES users(id), username text UNIQUE, bio text,
    created_at timestamp, settings json);
  CREATE TABLE tasks (id int8 PRIMARY KEY, owner uuid NOT NULL REFERENCES users(id), title text NOT NULL,
    status task_state NOT NULL, priority int, price numeric(12,2));
  CREATE INDEX idx_tasks_owner ON tasks (owner);
  CREATE UNIQUE INDEX uq_tasks_owner_title ON tasks (owner, lower(title)) WHERE status <> 'done';`;

beforeAll(async () => {
  source = new pg.Client(await createScratchDatabase("schsrc"));
  target = new pg.Client(await createScratchDatabase("schtgt"));
  await Promise.all([source.connect(), target.connect()]);
  await source.query(SOURCE_DDL);
});
afterAll(async () => {
  await Promise.all([source.end(), target.end()]);
});

/** Rebuilds the target cleanly, applies one change, and validates. */
async function validateAfter(change: string, file?: MappingFile) {
  await target.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public; ${TARGET_DDL} ${change}`);
  return validateSchema(source, target, await resolveTableMappings(source, target, file));
}
const problems = (r: Awaited<ReturnType<typeof validateAfter>>) =>
  r.checks.filter((c) => c.status !== "passed").map((c) => ({ status: c.status, name: c.name, details: c.details }));

describe("validateSchema", () => {
  it("passes a clean migration with compatible widenings and renamed indexes/enums", async () => {
    const r = await validateAfter("");
    expect(problems(r)).toEqual([]);
    expect(r).toMatchObject({ validator: "schema", status: "passed", critical: false });
    expect(r.checks.map((c) => c.name)).toEqual(["schema of public.profiles", "schema of public.tasks"]);
  });

  it("fails a narrowed column type, naming table, column and both types", async () => {
    const r = await validateAfter("ALTER TABLE tasks ALTER COLUMN title TYPE varchar(20);");
    expect(problems(r)).toEqual([
      { status: "failed", name: "column type public.tasks.title", details: { table: "public.tasks", column: "title", source: "text", target: "character varying(20)" } },
    ]);
    expect(r.critical).toBe(false);
  });

  it("warns about timestamp → timestamptz and json → jsonb", async () => {
    const r = await validateAfter("ALTER TABLE profiles ALTER COLUMN created_at TYPE timestamptz, ALTER COLUMN settings TYPE jsonb;");
    expect(r.status).toBe("warning");
    expect(problems(r).map((p) => [p.status, p.name])).toEqual([
      ["warning", "column type public.profiles.created_at"],
      ["warning", "column type public.profiles.settings"],
    ]);
  });

  it("fails a missing column and warns about an extra one", async () => {
    const r = await validateAfter("ALTER TABLE tasks DROP COLUMN priority; ALTER TABLE tasks ADD COLUMN archived boolean;");
    expect(problems(r)).toEqual([
      { status: "failed", name: "column public.tasks.priority", details: { table: "public.tasks", column: "priority", source: "priority", target: null } },
      { status: "warning", name: "column public.tasks.archived", details: { table: "public.tasks", column: "archived", source: null, target: "archived" } },
    ]);
  });

  it("fails a missing table and a missing primary key", async () => {
    const r = await validateAfter("DROP TABLE tasks; ALTER TABLE profiles DROP CONSTRAINT profiles_pkey;");
    // profiles.id loses its PK; the FK from profiles to users stays.
    expect(problems(r).map((p) => [p.status, p.name])).toEqual([
      ["failed", "table public.tasks"],
      ["failed", "primary key public.profiles"],
    ]);
  });

  it("maps foreign keys to auth.users onto the target's users table, and fails a lost one", async () => {
    const r = await validateAfter("ALTER TABLE tasks DROP CONSTRAINT tasks_owner_fkey;");
    expect(problems(r)).toEqual([
      { status: "failed", name: "foreign key public.tasks (owner)→public.users(id)", details: { table: "public.tasks", column: "owner", source: "(owner)→public.users(id)", target: null } },
    ]);
  });

  it("fails a lost unique index but only warns about a lost plain one", async () => {
    const r = await validateAfter("ALTER TABLE profiles DROP CONSTRAINT profiles_username_key; DROP INDEX idx_tasks_owner;");
    expect(problems(r).map((p) => [p.status, p.name])).toEqual([
      ["failed", "index public.profiles UNIQUE (username)"],
      ["warning", "index public.tasks (owner)"],
    ]);
  });

  it("fails an enum that lost a label", async () => {
    const r = await validateAfter(`DROP INDEX uq_tasks_owner_title; ALTER TABLE tasks ALTER COLUMN status TYPE text; DROP TYPE task_state;
      CREATE TYPE task_state AS ENUM ('todo', 'done'); ALTER TABLE tasks ALTER COLUMN status TYPE task_state USING status::task_state;
      CREATE UNIQUE INDEX uq_tasks_owner_title ON tasks (owner, lower(title)) WHERE status <> 'done';`);
    expect(problems(r)).toEqual([
      {
        status: "failed",
        name: "enum labels public.tasks.status",
        details: { table: "public.tasks", column: "status", source: ["todo", "doing", "done"], target: ["todo", "done"], missing: ["doing"], extra: [] },
      },
    ]);
  });

  it("follows column renames from the mapping file", async () => {
    const r = await validateAfter("ALTER TABLE tasks RENAME COLUMN owner TO owner_id;", {
      tables: [{ source: "public.tasks", target: "public.tasks", columns: { owner: "owner_id" } }],
    });
    expect(problems(r)).toEqual([]);
  });
});

describe("compareColumnTypes", () => {
  const b = (type: string) => ({ type, kind: "b" });
  it.each([
    ["integer", "bigint", "compatible"],
    ["bigint", "integer", "incompatible"],
    ["smallint", "numeric", "compatible"],
    ["character varying(40)", "text", "compatible"],
    ["character varying(40)", "character varying(80)", "compatible"],
    ["character varying(40)", "character varying(10)", "incompatible"],
    ["text", "character varying(255)", "incompatible"],
    ["numeric(10,2)", "numeric(12,2)", "compatible"],
    ["numeric(10,2)", "numeric(10,0)", "incompatible"],
    ["timestamp without time zone", "timestamp with time zone", "warning"],
    ["json", "jsonb", "warning"],
    ["integer[]", "bigint[]", "compatible"],
    ["integer[]", "integer", "incompatible"],
    ["uuid", "text", "incompatible"],
    ["uuid", "uuid", "same"],
  ])("%s → %s is %s", (from, to, level) => {
    expect(compareColumnTypes(b(from), b(to)).level).toBe(level);
  });
  it("compares enums by labels elsewhere and warns when an enum became text", () => {
    expect(compareColumnTypes({ type: "status", kind: "e" }, { type: "state", kind: "e" }).level).toBe("same");
    expect(compareColumnTypes({ type: "status", kind: "e" }, b("text")).level).toBe("warning");
  });
});

describe("normaliseExpression", () => {
  it("drops casts and translates renamed columns only as whole identifiers", () => {
    expect(normaliseExpression("(status <> 'done'::task_status)")).toBe("(status <> 'done')");
    expect(normaliseExpression("lower((owner)::text)", [{ source: "owner", target: "owner_id" }])).toBe("lower((owner_id))");
    expect(normaliseExpression("owner_name = ''::character varying", [{ source: "owner", target: "owner_id" }])).toBe("owner_name = ''");
  });
});

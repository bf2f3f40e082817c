import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { createScratchDatabase } from "../../test/pg";
import { validateReferentialIntegrity } from "./validate-referential";

let target: pg.Client;

beforeAll(async () => {
  target = new pg.Client(await createScratchDatabase("reftgt"));
  await target.connect();
});
afterAll(async () => {
  await target.end();
});

beforeEach(async () => {
  await target.query(`DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA public; CREATE SCHEMA app;
    CREATE TABLE users (id uuid PRIMARY KEY, email text);
    CREATE TABLE projects (id serial PRIMARY KEY, owner_id uuid REFERENCES users(id), name text);
    CREATE TABLE app.tasks (id bigserial PRIMARY KEY, project_id int NOT NULL REFERENCES projects(id), assignee uuid REFERENCES users(id));
    CREATE TABLE app.grid (x int, y int, PRIMARY KEY (x, y));
    CREATE TABLE app.marks (id int PRIMARY KEY, x int, y int, FOREIGN KEY (x, y) REFERENCES app.grid (x, y) MATCH FULL);
    INSERT INTO users VALUES ('00000000-0000-4000-8000-000000000001', 'a@example.com');
    INSERT INTO projects (owner_id, name) VALUES ('00000000-0000-4000-8000-000000000001', 'p1'), (NULL, 'orphan-free: null owner');
    INSERT INTO app.tasks (project_id, assignee) VALUES (1, '00000000-0000-4000-8000-000000000001'), (2, NULL);
    INSERT INTO app.grid VALUES (1, 1);
    INSERT INTO app.marks VALUES (1, 1, 1), (2, NULL, NULL);`);
});

/** Loads rows the way a bulk migration with triggers off does: foreign keys are not enforced. */
async function insertUnchecked(sql: string) {
  await target.query("BEGIN; SET LOCAL session_replication_role = replica");
  await target.query(sql);
  await target.query("COMMIT");
}

const failed = (r: Awaited<ReturnType<typeof validateReferentialIntegrity>>) => r.checks.filter((c) => c.status === "failed");

describe("validateReferentialIntegrity", () => {
  it("passes a consistent target, NULL keys included, with one check per foreign key", async () => {
    const r = await validateReferentialIntegrity(target);
    expect(r).toMatchObject({ validator: "referential", status: "passed", critical: false });
    expect(r.checks.map((c) => c.name)).toEqual([
      "foreign key app.marks.marks_x_y_fkey",
      "foreign key app.tasks.tasks_assignee_fkey",
      "foreign key app.tasks.tasks_project_id_fkey",
      "foreign key public.projects.projects_owner_id_fkey",
    ]);
  });

  it("counts orphaned rows inside PostgreSQL and shows sample keys", async () => {
    await insertUnchecked(`INSERT INTO app.tasks (id, project_id) SELECT 100 + g, 40 + g % 3 FROM generate_series(1, 25) g`);
    const r = await validateReferentialIntegrity(target);
    expect(r).toMatchObject({ status: "failed", critical: true });
    expect(failed(r).map((c) => c.name)).toEqual(["foreign key app.tasks.tasks_project_id_fkey"]);
    const details = failed(r)[0]!.details as { orphans: number; samples: Array<{ key: unknown; foreignKey: unknown }>; references: string };
    expect(details.orphans).toBe(25);
    expect(details.references).toBe("public.projects(id)");
    expect(details.samples).toHaveLength(10);
    expect(details.samples[0]).toEqual({ key: { id: "101" }, foreignKey: { project_id: "41" } });
  });

  it("catches orphans behind a NOT VALID constraint, and warns about NOT VALID ones that hold", async () => {
    await target.query(`CREATE TABLE comments (id int PRIMARY KEY, project_id int);
      INSERT INTO comments VALUES (1, 1), (2, 999);
      ALTER TABLE comments ADD CONSTRAINT comments_project_fk FOREIGN KEY (project_id) REFERENCES projects(id) NOT VALID;
      CREATE TABLE likes (id int PRIMARY KEY, project_id int);
      INSERT INTO likes VALUES (1, 1);
      ALTER TABLE likes ADD CONSTRAINT likes_project_fk FOREIGN KEY (project_id) REFERENCES projects(id) NOT VALID;`);
    const r = await validateReferentialIntegrity(target);
    expect(failed(r).map((c) => c.name)).toEqual(["foreign key public.comments.comments_project_fk"]);
    expect(failed(r)[0]!.message).toContain("NOT VALID");
    expect(failed(r)[0]!.details).toMatchObject({ orphans: 1, validated: false, samples: [{ key: { id: "2" }, foreignKey: { project_id: "999" } }] });
    expect(r.checks.find((c) => c.name === "foreign key public.likes.likes_project_fk")).toMatchObject({ status: "warning" });
  });

  it("applies MATCH FULL: a half-NULL composite key is a violation", async () => {
    await insertUnchecked(`INSERT INTO app.marks VALUES (3, 1, NULL), (4, 2, 2), (5, NULL, NULL)`);
    const r = await validateReferentialIntegrity(target);
    expect(failed(r).map((c) => c.name)).toEqual(["foreign key app.marks.marks_x_y_fkey"]);
    expect(failed(r)[0]!.details).toMatchObject({ orphans: 2, samples: [{ key: { id: "3" } }, { key: { id: "4" } }] });
  });

  it("reports a target without foreign keys as skipped: nothing was checked", async () => {
    await target.query("DROP SCHEMA app CASCADE; DROP TABLE projects");
    const r = await validateReferentialIntegrity(target);
    expect(r).toMatchObject({ status: "skipped", checks: [{ name: "foreign keys", status: "skipped", details: { constraints: 0 } }] });
  });
});

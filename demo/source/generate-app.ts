import type pg from "pg";
import { sqlRand, sqlRandInt, sqlRandText } from "./prng";
import { DEMO_EPOCH, SUPABASE_PROJECT_URL, type DemoPlan } from "./plan";
import type { PlannedObject } from "./generate-files";
import { ADJECTIVES, BIOS, NOUNS, SENTENCES, TASK_OBJECTS, TASK_VERBS, sqlPick } from "./words";

/**
 * Fills public.profiles, projects, tasks and comments with set-based SQL (generate_series), every
 * value derived from the seed inside Postgres: a million rows never travel through Node.
 * App rows only reference active users (a soft-deleted user's data was removed by the app).
 * The newest 10% of projects have no tasks yet and the newest 5% of tasks no comments, as in a live
 * app — and so that some rows have no dependants.
 */
export async function insertAppRows(client: pg.ClientBase, plan: DemoPlan, objects: PlannedObject[]) {
  const { seed } = plan;
  const epoch = `timestamptz '${DEMO_EPOCH}'`;
  const r = (salt: string) => sqlRand(seed, salt, "n");
  const rp = (salt: string) => sqlRandText(seed, salt, "u.id::text");
  const activeCount = plan.activeUsers.length;
  const avatars = objects.filter((o) => o.bucket === "avatars");

  await client.query(`
    CREATE TEMP TABLE demo_active ON COMMIT DROP AS
    SELECT row_number() OVER (ORDER BY created_at, id)::int AS idx, id
    FROM auth.users WHERE deleted_at IS NULL;
    CREATE UNIQUE INDEX ON demo_active (idx);
    ANALYZE demo_active;`);

  await client.query(
    `INSERT INTO public.profiles (id, username, full_name, avatar_url, bio, created_at, settings)
     SELECT u.id, replace(split_part(u.email, '@', 1), '.', '_'), u.raw_user_meta_data->>'full_name',
       CASE WHEN a.name IS NOT NULL THEN '${SUPABASE_PROJECT_URL}/storage/v1/object/public/avatars/' || a.name END,
       CASE WHEN ${rp("bio")} < 0.5 THEN ${sqlPick(BIOS, rp("bio-text"))} END,
       u.created_at + interval '1 minute',
       jsonb_build_object(
         'theme', ${sqlPick(["light", "dark", "system"], rp("theme"))},
         'locale', ${sqlPick(["en", "fr", "de", "ja"], rp("locale"))},
         'notifications', jsonb_build_object('email', ${rp("notify-email")} < 0.7,
           'push', ${rp("notify-push")} < 0.4))
     FROM auth.users u
     LEFT JOIN unnest($1::uuid[], $2::text[]) AS a(owner, name) ON a.owner = u.id
     WHERE u.deleted_at IS NULL
     ORDER BY u.id`,
    [avatars.map((o) => o.owner), avatars.map((o) => o.name)],
  );

  await client.query(`
    INSERT INTO public.projects (id, owner_id, name, budget, created_at, archived, updated_at)
    SELECT n, owner, name, budget, created_at, archived,
      created_at + ${r("project-updated")} * interval '60 days'
    FROM (SELECT n, a.id AS owner,
      ${sqlPick(ADJECTIVES, r("project-adj"))} || ' ' || ${sqlPick(NOUNS, r("project-noun"))} || ' #' || n AS name,
      CASE WHEN ${r("budget-null")} < 0.1 THEN NULL ELSE round((${r("budget")} * 500000)::numeric, 2) END AS budget,
      ${epoch} + ${r("project-created")} * interval '300 days' AS created_at,
      ${r("archived")} < 0.15 AS archived
    FROM generate_series(1, ${plan.projects}) AS n
    JOIN demo_active a ON a.idx = ${sqlRandInt(seed, "project-owner", "n", 1, activeCount)}) p`);

  const projectsWithTasks = Math.max(1, Math.floor(plan.projects * 0.9));
  await client.query(`
    INSERT INTO public.tasks (id, project_id, assignee_id, title, status, priority, due_date, estimate, created_at)
    SELECT n, ${sqlRandInt(seed, "task-project", "n", 1, projectsWithTasks)},
      CASE WHEN ${r("unassigned")} < 0.2 THEN NULL ELSE a.id END,
      ${sqlPick(TASK_VERBS, r("task-verb"))} || ' ' || ${sqlPick(TASK_OBJECTS, r("task-object"))},
      (ARRAY['todo', 'in_progress', 'review', 'done', 'cancelled'])[1 + floor(${r("status")} * 5)::int]::public.task_status,
      ${sqlRandInt(seed, "priority", "n", 1, 5)},
      CASE WHEN ${r("no-due")} < 0.3 THEN NULL
           ELSE date '2024-01-01' + ${sqlRandInt(seed, "due", "n", 0, 400)}::int END,
      CASE WHEN ${r("no-estimate")} < 0.25 THEN NULL
           ELSE make_interval(hours => ${sqlRandInt(seed, "estimate", "n", 1, 40)}::int) END,
      ${epoch} + ${r("task-created")} * interval '330 days'
    FROM generate_series(1, ${plan.tasks}) AS n
    JOIN demo_active a ON a.idx = ${sqlRandInt(seed, "assignee", "n", 1, activeCount)}`);

  if (plan.comments > 0) {
    const tasksWithComments = Math.max(1, Math.floor(plan.tasks * 0.95));
    await client.query(`
      INSERT INTO public.comments (id, task_id, author_id, body, created_at)
      SELECT n, ${sqlRandInt(seed, "comment-task", "n", 1, tasksWithComments)}, a.id,
        ${sqlPick(SENTENCES, r("s1"))} || CASE WHEN ${r("one-sentence")} < 0.4 THEN ''
          ELSE ' ' || ${sqlPick(SENTENCES, r("s2"))} END,
        ${epoch} + ${r("comment-created")} * interval '360 days'
      FROM generate_series(1, ${plan.comments}) AS n
      JOIN demo_active a ON a.idx = ${sqlRandInt(seed, "author", "n", 1, activeCount)}`);
  }
}

/**
 * The app's own database code, written once and run on both sides: the trigger functions and the
 * view. The target's first migration carries them over verbatim (as a team copies its Supabase SQL
 * into a NestJS migration), so their definitions compare equal; only the tables the triggers are
 * attached to differ (Supabase's auth.users becomes the target's users). Idempotent (OR REPLACE).
 */

/** Sets updated_at on every UPDATE (Supabase's usual `handle_updated_at`, without the moddatetime extension). */
export const SET_UPDATED_AT_FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION public.set_updated_at() RETURNS trigger
  LANGUAGE plpgsql SET search_path = ''
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;`;

/**
 * Gives every new account its profile (Supabase's `handle_new_user`). It reads only `id` and
 * `email`, which auth.users and the target's users both have, so one body serves both sides. The
 * username is derived from the email as the demo's profiles are; an existing profile is kept.
 */
export const HANDLE_NEW_USER_FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION public.handle_new_user() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.profiles (id, username)
  VALUES (NEW.id, coalesce(replace(split_part(NEW.email, '@', 1), '.', '_'), NEW.id::text))
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END
$$;`;

/** Name of the updated_at trigger of public.projects (the same on both sides). */
export const PROJECTS_UPDATED_AT_TRIGGER = "projects_set_updated_at";

/** `CREATE TRIGGER` of the updated_at trigger (OR REPLACE: re-runnable). */
export const PROJECTS_UPDATED_AT_TRIGGER_SQL = `
CREATE OR REPLACE TRIGGER ${PROJECTS_UPDATED_AT_TRIGGER} BEFORE UPDATE ON public.projects
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();`;

/** The new-user trigger on `usersTable` (auth.users on the source, the target's users). */
export function newUserTriggerSql(triggerName: string, usersTable: string): string {
  return `
CREATE OR REPLACE TRIGGER ${triggerName} AFTER INSERT ON ${usersTable}
  FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();`;
}

/** The app's view: each project's task counts. security_invoker, as Supabase recommends for views. */
export const PROJECT_TASK_COUNTS_VIEW = "public.project_task_counts";
export const PROJECT_TASK_COUNTS_VIEW_SQL = `
CREATE OR REPLACE VIEW ${PROJECT_TASK_COUNTS_VIEW} WITH (security_invoker = true) AS
SELECT p.id AS project_id, p.owner_id, count(t.id) AS tasks,
  count(t.id) FILTER (WHERE t.status = 'done') AS done
FROM public.projects p
LEFT JOIN public.tasks t ON t.project_id = p.id
GROUP BY p.id, p.owner_id;`;

/** Extensions the app uses (both trusted: a database owner may create them without superuser). */
export const APP_EXTENSIONS = ["pgcrypto", "pg_trgm"] as const;

/** The index that needs pg_trgm: fuzzy search on project names. */
export function projectNameTrigramIndexSql(opclass: string): string {
  return `CREATE INDEX IF NOT EXISTS projects_name_trgm_idx ON public.projects USING gin (name ${opclass});`;
}

import {
  HANDLE_NEW_USER_FUNCTION_SQL,
  PROJECTS_UPDATED_AT_TRIGGER_SQL,
  PROJECT_TASK_COUNTS_VIEW_SQL,
  SET_UPDATED_AT_FUNCTION_SQL,
  newUserTriggerSql,
  projectNameTrigramIndexSql,
} from "../app-sql";

/**
 * DDL of the demo source, shaped like a real Supabase project: the `auth` and `storage` schemas with
 * Supabase's own columns (as of GoTrue v2 / Storage v1), `auth.uid()`, extensions in the
 * `extensions` schema, and the app's tables in `public` with what Supabase projects put around them:
 * identity and serial keys, defaults, CHECK and UNIQUE constraints, foreign keys into auth.users,
 * trigger functions, a view, row level security with policies on `auth.uid()`, grants to the API
 * roles and the `supabase_realtime` publication.
 * The `storage` tables come from the Storage stand-in's schema (createStorageSchema).
 * Foreign keys, secondary indexes and triggers are added after the bulk load
 * (`SOURCE_CONSTRAINTS_SQL`), as a restore would, so a million rows load fast and the new-user
 * trigger does not fire for the generated users (their profiles are generated with them).
 */

/** Supabase's API roles. Roles belong to the whole server: created when missing, never dropped. */
export const SUPABASE_API_ROLES = ["anon", "authenticated", "service_role"] as const;

/** Run outside the build's transaction (a role another build is creating would block it until it commits). */
export const CREATE_API_ROLES_SQL = `
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY[${SUPABASE_API_ROLES.map((r) => `'${r}'`).join(", ")}] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile by another build
      END;
    END IF;
  END LOOP;
END
$$;`;

export const DROP_SOURCE_SQL = `
DROP PUBLICATION IF EXISTS supabase_realtime;
DROP SCHEMA IF EXISTS auth CASCADE;
DROP SCHEMA IF EXISTS storage CASCADE;
DROP VIEW IF EXISTS public.project_task_counts;
DROP TABLE IF EXISTS public.attachments, public.comments, public.tasks, public.projects,
  public.profiles, public._demo_info CASCADE;
DROP FUNCTION IF EXISTS public.set_updated_at(), public.handle_new_user() CASCADE;
DROP SCHEMA IF EXISTS demo_meta CASCADE;
DROP TYPE IF EXISTS public.task_status CASCADE;
DROP EXTENSION IF EXISTS pg_trgm, pgcrypto CASCADE;
DROP SCHEMA IF EXISTS extensions CASCADE;
`;

export const SOURCE_SCHEMA_SQL = `
CREATE SCHEMA extensions;
CREATE EXTENSION pgcrypto WITH SCHEMA extensions;
CREATE EXTENSION pg_trgm WITH SCHEMA extensions;

CREATE SCHEMA auth;

-- Supabase's auth.uid(): the user id of the request's JWT, which PostgREST puts in the settings.
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid
$$;

CREATE TABLE auth.users (
  instance_id uuid,
  id uuid NOT NULL PRIMARY KEY,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text UNIQUE DEFAULT NULL,
  phone_confirmed_at timestamptz,
  phone_change text DEFAULT '',
  phone_change_token varchar(255) DEFAULT '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
  email_change_token_current varchar(255) DEFAULT '',
  email_change_confirm_status smallint DEFAULT 0
    CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) DEFAULT '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean NOT NULL DEFAULT false,
  deleted_at timestamptz,
  is_anonymous boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema.';

CREATE TABLE auth.identities (
  provider_id text NOT NULL,
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  identity_data jsonb NOT NULL,
  provider text NOT NULL,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text GENERATED ALWAYS AS (lower(identity_data->>'email')) STORED,
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
);

-- storage.buckets / storage.objects: created by demo/storage-server/schema.ts (one definition shared
-- with the Storage stand-in that serves them).

CREATE TYPE public.task_status AS ENUM ('todo', 'in_progress', 'review', 'done', 'cancelled');

CREATE TABLE public.profiles (
  id uuid NOT NULL PRIMARY KEY,
  username text NOT NULL,
  full_name text,
  avatar_url text,
  bio text,
  created_at timestamptz NOT NULL DEFAULT now(),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE public.projects (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  owner_id uuid NOT NULL,
  name text NOT NULL,
  budget numeric(12,2),
  created_at timestamptz NOT NULL DEFAULT now(),
  archived boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.tasks (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  project_id bigint NOT NULL,
  assignee_id uuid,
  title text NOT NULL,
  status public.task_status NOT NULL DEFAULT 'todo',
  priority integer NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
  due_date date,
  estimate interval,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A serial key (older Supabase projects have them): a nextval default on a sequence the column owns.
CREATE TABLE public.comments (
  id bigserial PRIMARY KEY,
  task_id bigint NOT NULL,
  author_id uuid NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.attachments (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  task_id bigint NOT NULL,
  storage_object_id uuid NOT NULL,
  file_name text NOT NULL,
  file_url text NOT NULL,
  size_bytes bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

${SET_UPDATED_AT_FUNCTION_SQL}
${HANDLE_NEW_USER_FUNCTION_SQL}
${PROJECT_TASK_COUNTS_VIEW_SQL}

-- Outside public: the product compares public tables, and this one is not app data.
CREATE SCHEMA demo_meta;
CREATE TABLE demo_meta.build_info (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  options jsonb NOT NULL,
  summary jsonb NOT NULL
);
COMMENT ON TABLE demo_meta.build_info IS 'Options of the demo build, to make rebuilding idempotent. Not app data.';
`;

export const SOURCE_CONSTRAINTS_SQL = `
CREATE INDEX users_instance_id_idx ON auth.users USING btree (instance_id);
CREATE INDEX users_instance_id_email_idx ON auth.users USING btree (instance_id, lower((email)::text));
CREATE UNIQUE INDEX users_email_partial_key ON auth.users USING btree (email) WHERE (is_sso_user = false);
CREATE INDEX users_is_anonymous_idx ON auth.users USING btree (is_anonymous);
CREATE INDEX identities_user_id_idx ON auth.identities USING btree (user_id);
CREATE INDEX identities_email_idx ON auth.identities USING btree (email text_pattern_ops);

ALTER TABLE public.profiles
  ADD CONSTRAINT profiles_id_fkey FOREIGN KEY (id) REFERENCES auth.users(id) ON DELETE CASCADE,
  ADD CONSTRAINT profiles_username_key UNIQUE (username);
ALTER TABLE public.projects
  ADD CONSTRAINT projects_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES auth.users(id),
  ADD CONSTRAINT projects_owner_id_name_key UNIQUE (owner_id, name);
ALTER TABLE public.tasks
  ADD CONSTRAINT tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE,
  ADD CONSTRAINT tasks_assignee_id_fkey FOREIGN KEY (assignee_id) REFERENCES auth.users(id) ON DELETE SET NULL;
CREATE INDEX tasks_project_id_idx ON public.tasks (project_id);
CREATE INDEX tasks_assignee_id_idx ON public.tasks (assignee_id);
CREATE INDEX tasks_status_due_date_idx ON public.tasks (status, due_date);
ALTER TABLE public.comments
  ADD CONSTRAINT comments_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.tasks(id) ON DELETE CASCADE,
  ADD CONSTRAINT comments_author_id_fkey FOREIGN KEY (author_id) REFERENCES auth.users(id);
CREATE INDEX comments_task_id_created_at_idx ON public.comments (task_id, created_at);
ALTER TABLE public.attachments
  ADD CONSTRAINT attachments_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.tasks(id) ON DELETE CASCADE,
  ADD CONSTRAINT attachments_storage_object_id_key UNIQUE (storage_object_id);
CREATE INDEX attachments_task_id_idx ON public.attachments (task_id);

${projectNameTrigramIndexSql("extensions.gin_trgm_ops")}

SELECT setval(pg_get_serial_sequence('public.projects', 'id'), GREATEST(1, (SELECT max(id) FROM public.projects)));
SELECT setval(pg_get_serial_sequence('public.tasks', 'id'), GREATEST(1, (SELECT max(id) FROM public.tasks)));
SELECT setval(pg_get_serial_sequence('public.comments', 'id'), GREATEST(1, (SELECT max(id) FROM public.comments)));

${PROJECTS_UPDATED_AT_TRIGGER_SQL}
${newUserTriggerSql("on_auth_user_created", "auth.users")}

-- Row level security: what the API roles may see through PostgREST.
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.attachments ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Profiles are viewable by everyone" ON public.profiles FOR SELECT USING (true);
CREATE POLICY "Users update their own profile" ON public.profiles FOR UPDATE TO authenticated
  USING ((SELECT auth.uid()) = id) WITH CHECK ((SELECT auth.uid()) = id);
CREATE POLICY "Owners manage their projects" ON public.projects FOR ALL TO authenticated
  USING ((SELECT auth.uid()) = owner_id) WITH CHECK ((SELECT auth.uid()) = owner_id);
CREATE POLICY "Owners and assignees read tasks" ON public.tasks FOR SELECT TO authenticated
  USING (assignee_id = (SELECT auth.uid())
    OR EXISTS (SELECT 1 FROM public.projects p WHERE p.id = project_id AND p.owner_id = (SELECT auth.uid())));
CREATE POLICY "Owners manage tasks" ON public.tasks FOR ALL TO authenticated
  USING (EXISTS (SELECT 1 FROM public.projects p WHERE p.id = project_id AND p.owner_id = (SELECT auth.uid())));
CREATE POLICY "Authors manage their comments" ON public.comments FOR ALL TO authenticated
  USING ((SELECT auth.uid()) = author_id) WITH CHECK ((SELECT auth.uid()) = author_id);
CREATE POLICY "Attachments follow their task's project" ON public.attachments FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.tasks t JOIN public.projects p ON p.id = t.project_id
                 WHERE t.id = task_id AND p.owner_id = (SELECT auth.uid())));

-- Supabase's default grants: the API roles reach every app table; RLS decides which rows.
GRANT USAGE ON SCHEMA public, auth, extensions TO anon, authenticated, service_role;
GRANT ALL ON public.profiles, public.projects, public.tasks, public.comments, public.attachments,
  public.project_task_counts TO anon, authenticated, service_role;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO anon, authenticated, service_role;

-- Realtime broadcasts changes of these tables.
CREATE PUBLICATION supabase_realtime FOR TABLE public.tasks, public.comments;

`;

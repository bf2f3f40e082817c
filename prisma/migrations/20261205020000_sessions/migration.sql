-- Server-side dashboard sessions: the session cookie carries the id of a row here, checked on every
-- request, so that signing out, disabling the user or changing their role (each deletes the user's
-- rows) ends the session at once. auth_time is the sign-in that opened it (recent-sign-in checks).
CREATE TABLE "dashboard_sessions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "method" TEXT NOT NULL,
    "origin" TEXT,
    "auth_time" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dashboard_sessions_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "dashboard_sessions_user_id_idx" ON "dashboard_sessions"("user_id");

ALTER TABLE "dashboard_sessions" ADD CONSTRAINT "dashboard_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "dashboard_users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The dashboard user who created a token: it acts with the lesser of its role and theirs, and not at
-- all once they are disabled. Null for tokens made with the command line (token:create), which has
-- no dashboard user. Earlier tokens are matched to their creator by the recorded email.
ALTER TABLE "api_tokens" ADD COLUMN "created_by_user_id" UUID;

UPDATE "api_tokens" AS t SET "created_by_user_id" = u."id" FROM "dashboard_users" AS u WHERE u."email" = t."created_by";

ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "dashboard_users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

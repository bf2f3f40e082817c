-- Sign-in, roles and API tokens (lib/auth). Roles are ordered: viewer < operator < admin.
CREATE TYPE "AccessRole" AS ENUM ('viewer', 'operator', 'admin');

-- People who sign in to the dashboard. password_hash is a bcrypt hash; null for accounts that only
-- sign in through OIDC.
CREATE TABLE "dashboard_users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "password_hash" TEXT,
    "role" "AccessRole" NOT NULL DEFAULT 'viewer',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_sign_in_at" TIMESTAMPTZ(3),
    "disabled" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "dashboard_users_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "dashboard_users_email_key" ON "dashboard_users"("email");

-- Bearer tokens of the REST API. Only the sha256 of a token is stored; the plaintext is shown once.
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" "AccessRole" NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- Counters of rate-limiter-flexible's Postgres store (RateLimiterPostgres, tableCreated: true):
-- exactly the table it would create itself. expire is epoch milliseconds.
CREATE TABLE "rate_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

-- The audit chain is keyed: events are linked by HMAC-SHA256 under a key the database does not hold
-- (AUDIT_HMAC_KEY, or derived from BACKUP_ENCRYPTION_KEY). Events written before stay as they are and
-- verify as the chain's unkeyed legacy prefix (chain_version 1); new events are chain_version 2 and
-- name the key they were signed with (mac_key_id, a fingerprint, never the key).
-- ADD COLUMN does not fire the append-only row triggers.
ALTER TABLE "audit_events" ADD COLUMN "chain_version" SMALLINT NOT NULL DEFAULT 1,
ADD COLUMN "mac_key_id" TEXT;

-- The newest event a verification found intact, MAC'd so that the database cannot forge it: /audit
-- verifies only the events after it on each view. One row.
CREATE TABLE "audit_verified_head" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "keyed_from" BIGINT,
    "mac_key_id" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "verified_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audit_verified_head_pkey" PRIMARY KEY ("id")
);

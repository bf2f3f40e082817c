import { describe, expect, it } from "vitest";
import { parseS3StoreUrl, resolveCopyStoreConfig } from "./backup-store-config";
import { backupStoreFromEnv, loadEnv, readEnvSection } from "../env";

const base = { BACKUP_DIR: "/var/backups" };

function failure(env: Record<string, string>): { settings: unknown; message: string } {
  try {
    backupStoreFromEnv(env);
  } catch (e) {
    return { settings: (e as { details?: { settings?: unknown } }).details?.settings, message: (e as Error).message };
  }
  throw new Error("expected the configuration to be refused");
}

describe("backup store settings", () => {
  it("keeps backups in BACKUP_DIR when BACKUP_STORE_URL is unset or empty", () => {
    expect(backupStoreFromEnv(base)).toEqual({ kind: "folder", dir: "/var/backups" });
    expect(backupStoreFromEnv({ ...base, BACKUP_STORE_URL: "" })).toEqual({ kind: "folder", dir: "/var/backups" });
  });

  it("reads an S3 store from s3://bucket/prefix and the BACKUP_S3_* settings", () => {
    expect(
      backupStoreFromEnv({
        ...base,
        BACKUP_STORE_URL: "s3://my-backups/prod/checkpoints/",
        BACKUP_S3_ENDPOINT: "http://127.0.0.1:9000",
        BACKUP_S3_REGION: "eu-west-1",
        BACKUP_S3_FORCE_PATH_STYLE: "true",
        BACKUP_S3_ACCESS_KEY_ID: "id",
        BACKUP_S3_SECRET_ACCESS_KEY: "secret",
      }),
    ).toEqual({
      kind: "s3",
      bucket: "my-backups",
      prefix: "prod/checkpoints/",
      endpoint: "http://127.0.0.1:9000",
      region: "eu-west-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "id", secretAccessKey: "secret" },
    });
    // No credentials: the SDK's own chain; no endpoint: AWS; no prefix: the bucket's root.
    expect(backupStoreFromEnv({ ...base, BACKUP_STORE_URL: "s3://b-1", BACKUP_S3_REGION: "us-east-1" })).toEqual({
      kind: "s3", bucket: "b-1", prefix: "", endpoint: undefined, region: "us-east-1", forcePathStyle: false, credentials: undefined,
    });
  });

  it.each([
    [{ BACKUP_STORE_URL: "https://bucket/prefix", BACKUP_S3_REGION: "x" }, "BACKUP_STORE_URL", /s3:\/\/bucket\/prefix/],
    [{ BACKUP_STORE_URL: "s3://Bad_Bucket/p", BACKUP_S3_REGION: "x" }, "BACKUP_STORE_URL", /not a valid bucket name/],
    [{ BACKUP_STORE_URL: "s3://bucket/a/../b", BACKUP_S3_REGION: "x" }, "BACKUP_STORE_URL", /prefix part/],
    [{ BACKUP_STORE_URL: "s3://bucket/caf%C3%A9", BACKUP_S3_REGION: "x" }, "BACKUP_STORE_URL", /prefix part/],
    [{ BACKUP_STORE_URL: "s3://bucket/p" }, "BACKUP_S3_REGION", /is required/],
    [{ BACKUP_STORE_URL: "s3://bucket/p", BACKUP_S3_REGION: "x", BACKUP_S3_ACCESS_KEY_ID: "id" }, "BACKUP_S3_SECRET_ACCESS_KEY", /together/],
    [{ BACKUP_STORE_URL: "s3://bucket/p", BACKUP_S3_REGION: "x", BACKUP_S3_SECRET_ACCESS_KEY: "s" }, "BACKUP_S3_ACCESS_KEY_ID", /together/],
    [{ BACKUP_STORE_URL: "s3://bucket/p", BACKUP_S3_REGION: "x", BACKUP_S3_ENDPOINT: "not a url" }, "BACKUP_S3_ENDPOINT", /URL/i],
    [{ BACKUP_STORE_URL: "s3://bucket/p", BACKUP_S3_REGION: "x", BACKUP_S3_FORCE_PATH_STYLE: "yes" }, "BACKUP_S3_FORCE_PATH_STYLE", /true or false/],
    [{ BACKUP_S3_REGION: "us-east-1" }, "BACKUP_STORE_URL", /BACKUP_S3_REGION is set but BACKUP_STORE_URL is not/],
  ])("refuses %j, naming %s", (env, setting, message) => {
    const f = failure({ ...base, ...env });
    expect(f.settings).toEqual([setting]);
    expect(f.message).toMatch(message);
    expect(f.message).toContain(`\n  ${setting}: `);
  });

  it("normalises the prefix to end in one slash", () => {
    expect(parseS3StoreUrl("s3://bucket//a//b/")).toEqual({ bucket: "bucket", prefix: "a/b/" });
  });

  it("is part of the product's environment, which names a malformed setting", () => {
    const env = {
      DATABASE_URL: "postgres://u@h/db", SUPABASE_DB_URL: "postgres://u@h/src", SUPABASE_URL: "http://127.0.0.1:1", SUPABASE_SERVICE_ROLE_KEY: "k",
      TARGET_DATABASE_URL: "postgres://u@h/t", TARGET_STORAGE_DIR: "/srv", BACKUP_DIR: "/var/backups", NODE_ENV: "test" as const,
    };
    expect(loadEnv({ ...env, BACKUP_STORE_URL: "s3://bucket/p", BACKUP_S3_REGION: "local", BACKUP_S3_FORCE_PATH_STYLE: "true" })).toMatchObject({ BACKUP_STORE_URL: "s3://bucket/p", BACKUP_S3_FORCE_PATH_STYLE: true });
    expect(() => loadEnv({ ...env, BACKUP_S3_ENDPOINT: "nope" })).toThrow(/BACKUP_S3_ENDPOINT/);
    expect(() => loadEnv({ ...env, BACKUP_STORE_URL: "s3://bucket/p" })).toThrow(/BACKUP_S3_REGION: is required/);
  });

  describe("the copy store (BACKUP_COPY_STORE_URL)", () => {
    const copyOf = (env: Record<string, string>) => resolveCopyStoreConfig(readEnvSection("store", { ...base, ...env }));
    const refusal = (env: Record<string, string>) => {
      try {
        copyOf(env);
      } catch (e) {
        return { settings: (e as { details?: { settings?: unknown } }).details?.settings, message: (e as Error).message };
      }
      throw new Error("expected the copy store to be refused");
    };

    it("is unset by default; a folder (file:///path or an absolute path) or a bucket with its own BACKUP_COPY_S3_* settings", () => {
      expect(copyOf({})).toBeUndefined();
      expect(copyOf({ BACKUP_COPY_STORE_URL: "file:///mnt/offsite/" })).toEqual({ kind: "folder", dir: "/mnt/offsite" });
      expect(copyOf({ BACKUP_COPY_STORE_URL: "/mnt/offsite" })).toEqual({ kind: "folder", dir: "/mnt/offsite" });
      expect(
        copyOf({
          BACKUP_STORE_URL: "s3://primary/p", BACKUP_S3_REGION: "eu-west-1",
          BACKUP_COPY_STORE_URL: "s3://offsite/copies", BACKUP_COPY_S3_REGION: "us-east-2", BACKUP_COPY_S3_ENDPOINT: "http://127.0.0.1:9000",
          BACKUP_COPY_S3_FORCE_PATH_STYLE: "true", BACKUP_COPY_S3_ACCESS_KEY_ID: "cid", BACKUP_COPY_S3_SECRET_ACCESS_KEY: "csecret",
        }),
      ).toEqual({
        kind: "s3", bucket: "offsite", prefix: "copies/", endpoint: "http://127.0.0.1:9000", region: "us-east-2", forcePathStyle: true,
        credentials: { accessKeyId: "cid", secretAccessKey: "csecret" }, role: "copy",
      });
    });

    it.each([
      [{ BACKUP_COPY_STORE_URL: "https://bucket/p" }, "BACKUP_COPY_STORE_URL", /s3:\/\/bucket\/prefix, file:\/\/\/path or an absolute path/],
      [{ BACKUP_COPY_STORE_URL: "s3://bucket/p" }, "BACKUP_COPY_S3_REGION", /is required with an s3:\/\/ BACKUP_COPY_STORE_URL/],
      [{ BACKUP_COPY_STORE_URL: "s3://Bad_Bucket/p", BACKUP_COPY_S3_REGION: "x" }, "BACKUP_COPY_STORE_URL", /not a valid bucket name/],
      [{ BACKUP_COPY_STORE_URL: "s3://bucket/p", BACKUP_COPY_S3_REGION: "x", BACKUP_COPY_S3_ACCESS_KEY_ID: "id" }, "BACKUP_COPY_S3_SECRET_ACCESS_KEY", /together/],
      [{ BACKUP_COPY_STORE_URL: "file://host/path" }, "BACKUP_COPY_STORE_URL", /a folder on this machine/],
      [{ BACKUP_COPY_STORE_URL: "/var/backups/" }, "BACKUP_COPY_STORE_URL", /is BACKUP_DIR itself/],
      [{ BACKUP_COPY_S3_REGION: "x" }, "BACKUP_COPY_STORE_URL", /BACKUP_COPY_S3_REGION is set but BACKUP_COPY_STORE_URL is not/],
    ])("refuses %j, naming %s", (env, setting, message) => {
      const f = refusal(env);
      expect(f.message).toMatch(message);
      expect(f.message).toContain(setting);
      // The environment check names the same setting.
      expect(() => readEnvSection("store", { ...base, ...env })).toThrow(new RegExp(`\n  ${setting}: `));
    });
  });
});

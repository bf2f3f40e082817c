import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedServer } from "../lib/db/embedded-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of a PostgreSQL server where tests may create and drop databases. */
    pgAdminUrl: string;
  }
}

let server: EmbeddedServer | undefined;

/**
 * Tests run against a real PostgreSQL: TEST_PG_ADMIN_URL when set (any server where the user may
 * CREATE DATABASE), otherwise an embedded PostgreSQL 15 started for this run and removed after it.
 */
export async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (!adminUrl) {
    server = await startEmbeddedPostgres({ dataDir: `.data/test-pg-${process.pid}`, ephemeral: true });
    adminUrl = server.url("postgres");
  }
  project.provide("pgAdminUrl", adminUrl);
}

export async function teardown() {
  await server?.stop();
}

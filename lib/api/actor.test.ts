import { beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../test/pg";
import { migrateDatabase } from "../db/migrate";
import { getDb } from "../db/client";
import { createApiToken } from "../auth/tokens";
import { createRateLimits } from "../auth/rate-limits";
import type { AuthDeps } from "../auth/auth-options";
import { actorFromRequest, authorizeApiRequest } from "./actor";

const VIEWER = { role: "viewer", recentSignIn: false } as const;

let deps: AuthDeps;
let token: string;

beforeAll(async () => {
  const url = await createScratchDatabase("actor");
  await migrateDatabase(url);
  const db = getDb(url);
  deps = {
    db,
    limits: createRateLimits({ databaseUrl: url, signInAttemptsPerMinute: 5, apiMutationsPerMinute: 1000 }),
    config: { secret: "s".repeat(40), reauthMaxAgeSeconds: 900, sessionMaxAgeSeconds: 3600, signInAttemptsPerMinute: 5, apiMutationsPerMinute: 1000 },
  };
  token = (await createApiToken(db, { name: "ci", role: "operator", createdBy: { name: "admin@example.com", role: "admin", origin: "test" } })).token;
});

const req = (headers: Record<string, string>) => new Request("http://localhost/migration/checkpoints", { headers });

describe("the API's actor", () => {
  it("is the authenticated caller, whatever x-actor claims", async () => {
    const request = req({ authorization: `Bearer ${token}`, "x-actor": "mallory", "x-forwarded-for": "10.1.2.3" });
    await authorizeApiRequest(request, VIEWER, deps);
    expect(actorFromRequest(request)).toMatchObject({ name: "token:ci", role: "operator" });
  });

  it("does not exist for a request nobody authorized", async () => {
    const request = req({});
    await expect(authorizeApiRequest(request, VIEWER, deps)).rejects.toMatchObject({ code: "unauthenticated" });
    expect(() => actorFromRequest(request)).toThrow(/not authorized/);
  });
});

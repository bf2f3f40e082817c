// `npm run token:create -- --name ci --role operator`: creates an API token for the REST API and
// prints it once (only its sha256 is stored). Send it as `Authorization: Bearer mct_…`.
import "./load-env";
import { parseArgs } from "node:util";
import { disconnectAll, getDb } from "../lib/db/client";
import { isAppError } from "../lib/domain/errors";
import { createApiToken } from "../lib/auth/tokens";
import { isRole, ROLES } from "../lib/auth/permissions";

const USAGE = `usage: npm run token:create -- --name <name> --role <${ROLES.join("|")}>`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { name: { type: "string" }, role: { type: "string" } } }));
  } catch (e) {
    console.error(`token:create: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.name || !values.role || !isRole(values.role)) {
    console.error(`token:create: --name and --role (${ROLES.join(", ")}) are required.\n${USAGE}`);
    return 2;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("token:create: DATABASE_URL is not set (the metadata store's connection string, see .env.example).");
    return 2;
  }
  try {
    const { token, apiToken } = await createApiToken(getDb(url), { name: values.name, role: values.role, createdBy: { name: `cli:${process.env.USER ?? "unknown"}`, role: "admin", origin: "cli" } });
    console.log(`Created ${apiToken.role} token "${apiToken.name}" (id ${apiToken.id}). Shown once, store it now:`);
    console.log(token);
    return 0;
  } catch (e) {
    console.error(`token:create: ${isAppError(e) ? e.message : (e as Error).message}`);
    return 1;
  } finally {
    await disconnectAll();
  }
}

process.exitCode = await main();

// `npm run user:create -- --email a@b.c --role admin [--name "A B"] [--password …]`: creates a
// dashboard user. Without --password it asks for one (hidden) on a terminal, or generates one and
// prints it once. Prefer the prompt: a --password argument stays in the shell's history.
import "./load-env";
import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import { disconnectAll, getDb } from "../lib/db/client";
import { isAppError } from "../lib/domain/errors";
import { generatePassword } from "../lib/auth/password";
import { createDashboardUser } from "../lib/auth/users";
import { isRole, ROLES } from "../lib/auth/permissions";

const USAGE = `usage: npm run user:create -- --email <email> --role <${ROLES.join("|")}> [--name <name>] [--password <password>]`;

async function askHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Echo nothing while the password is typed.
  const write = (rl as unknown as { _writeToOutput: (s: string) => void });
  let prompting = true;
  write._writeToOutput = (s: string) => {
    if (!prompting || s.includes(question)) process.stdout.write(s);
  };
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      prompting = false;
      rl.close();
      process.stdout.write("\n");
      resolve(answer);
    });
  });
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { email: { type: "string" }, role: { type: "string" }, name: { type: "string" }, password: { type: "string" } } }));
  } catch (e) {
    console.error(`user:create: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.email || !values.role || !isRole(values.role)) {
    console.error(`user:create: --email and --role (${ROLES.join(", ")}) are required.\n${USAGE}`);
    return 2;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("user:create: DATABASE_URL is not set (the metadata store's connection string, see .env.example).");
    return 2;
  }
  let password = values.password;
  let generated = false;
  if (password === undefined && process.stdin.isTTY) {
    password = (await askHidden("Password (empty: generate one): ")) || undefined;
  }
  if (password === undefined) {
    password = generatePassword();
    generated = true;
  }
  try {
    const user = await createDashboardUser(getDb(url), { email: values.email, name: values.name, role: values.role, password }, { name: `cli:${process.env.USER ?? "unknown"}`, role: "admin", origin: "cli" });
    console.log(`Created ${user.role} ${user.email} (id ${user.id}).`);
    if (generated) console.log(`Password (shown once, store it now): ${password}`);
    return 0;
  } catch (e) {
    console.error(`user:create: ${isAppError(e) ? e.message : (e as Error).message}`);
    return 1;
  } finally {
    await disconnectAll();
  }
}

process.exitCode = await main();

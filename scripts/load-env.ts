// Imported first by every script: the project's .env files, read as the server reads them
// (lib/env.ts), before any module reads a setting.
import path from "node:path";
import { loadEnvFiles } from "../lib/env";

loadEnvFiles({ dir: path.resolve(import.meta.dirname, "..") });

// `npm run generate` (in packages/client): writes src/generated/openapi.ts, the types of every
// operation, from the server's OpenAPI document (lib/api/openapi.ts). A test regenerates it in memory
// and compares, so the client's types cannot drift from what the server serves.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { renderOpenApiTypes } from "./render-types.ts";

const out = path.join(import.meta.dirname, "..", "src", "generated", "openapi.ts");
await writeFile(out, await renderOpenApiTypes());
console.log(`wrote ${path.relative(process.cwd(), out)}`);

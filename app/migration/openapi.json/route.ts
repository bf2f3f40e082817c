import { buildOpenApiDocument } from "../../../lib/api/openapi";
import { json } from "../../../lib/api/http";
import { handleRoute } from "../../../lib/http/route-handler";

export const dynamic = "force-dynamic";

/** GET /migration/openapi.json → the OpenAPI 3.1 document generated from the API's zod schemas. */
export const GET = handleRoute(async () => json(buildOpenApiDocument()));

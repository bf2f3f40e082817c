import { errorResponse } from "../../../lib/http/route-handler";
import { AppError } from "../../../lib/domain/errors";

export const dynamic = "force-dynamic";

/** Any other path under /migration: the API's JSON 404, not the dashboard's HTML page. */
async function notFound(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  return errorResponse(new AppError("not_found", `No API endpoint at ${request.method} ${path}. See /migration/openapi.json.`));
}

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;

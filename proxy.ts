import { NextResponse, type NextRequest } from "next/server";
import { allowedMethods } from "./lib/api/endpoints";
import { AppError } from "./lib/domain/errors";
import { errorResponse } from "./lib/http/route-handler";

// The API's answers for a path no endpoint declares (404) and for a method a declared path does not
// have (405, with Allow), in the API's JSON error shape rather than Next's HTML 404 or empty 405; both
// from the endpoint declarations (lib/api/endpoints.ts), so a route without one is never reached.
// Not an auth boundary: every route handler authorizes its own requests.
export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const allowed = allowedMethods(pathname);
  if (allowed === null) {
    return errorResponse(new AppError("not_found", `No API endpoint at ${request.method} ${pathname}. See /migration/openapi.json.`));
  }
  if (!allowed.includes(request.method)) {
    const response = errorResponse(
      new AppError("method_not_allowed", `${request.method} is not allowed on ${pathname}; allowed: ${allowed.join(", ")}.`),
    );
    response.headers.set("allow", allowed.join(", "));
    return response;
  }
  return NextResponse.next();
}

export const config = { matcher: ["/migration", "/migration/:path*"] };

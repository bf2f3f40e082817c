import { NextResponse, type NextRequest } from "next/server";
import { allowedMethods } from "./lib/api/allowed-methods";
import { apiEndpoints } from "./lib/api/openapi";
import { AppError } from "./lib/domain/errors";
import { errorResponse } from "./lib/http/route-handler";

// The API's answers for a method an endpoint does not have (405, with Allow) and for /migration itself
// (404), in the API's JSON error shape rather than Next's empty 405 or HTML 404. Not an auth boundary:
// every route handler authorizes its own requests.
const ENDPOINTS = apiEndpoints();

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const allowed = allowedMethods(pathname, ENDPOINTS);
  if (allowed === null) {
    if (pathname.replace(/\/+$/, "") === "/migration") {
      return errorResponse(new AppError("not_found", "No API endpoint at /migration. See /migration/openapi.json."));
    }
    return NextResponse.next(); // the catch-all route answers other unknown paths
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

import NextAuth from "next-auth";
import { getAuthOptions } from "../../../../lib/auth/auth-options";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

/** Auth.js (next-auth v4) endpoints: sign-in, callback, session, CSRF token, sign-out. */
async function handler(request: Request, context: Context): Promise<Response> {
  // Options are built per process on first request, so `next build` needs no NEXTAUTH_SECRET.
  return NextAuth(request as never, context as never, getAuthOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };

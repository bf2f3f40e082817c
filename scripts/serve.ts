// `npm start` (and the demo, and the HTTP tests): the dashboard and API on Node's own HTTP server
// in front of Next.js, so that the product knows who is connected. Next gives route handlers no
// socket address; this server deletes whatever a client sent in PEER_ADDRESS_HEADER and sets it to
// the TCP peer, which lib/auth/client-address.ts reads (with TRUSTED_PROXIES for a proxy in front).
//   tsx scripts/serve.ts [--dev] [-p PORT] [-H HOST]     (or PORT and HOST, from .env too; HOST defaults to 127.0.0.1)
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { PEER_ADDRESS_HEADER } from "../lib/auth/client-address";
import { listenAddress, loadEnvFiles } from "../lib/env";

const { values } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    port: { type: "string", short: "p" },
    hostname: { type: "string", short: "H" },
  },
});
const dir = path.resolve(import.meta.dirname, "..");
// The same .env files Next reads (development ones with --dev), before any setting is read.
loadEnvFiles({ dir, dev: values.dev });
const { port, hostname } = listenAddress(values);
// The app's folder is the working folder whatever started us: Next and the password-hashing
// threads (which load bcryptjs from the working folder's node_modules) both resolve from it.
process.chdir(dir);

const app = next({ dev: values.dev, dir, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  // Node lower-cases header names; a repeated header arrives joined, so one delete removes all of it.
  delete req.headers[PEER_ADDRESS_HEADER];
  const peer = req.socket.remoteAddress;
  if (peer) req.headers[PEER_ADDRESS_HEADER] = peer;
  void handle(req, res);
});
if (values.dev) server.on("upgrade", app.getUpgradeHandler());
server.listen(port, hostname, () => console.log(`Ready on http://${hostname}:${port}`));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

import ipaddr from "ipaddr.js";

/**
 * The header our own HTTP server (scripts/serve.ts) sets to the TCP peer's address, after deleting
 * any value a client sent. Next.js gives route handlers, server components and Auth.js no socket
 * address (NextRequest.ip is gone since Next 15, and `next start` fills `x-forwarded-for` from the
 * socket only when the client did not send one), so this header is the one place the product learns
 * who is really connected. Served some other way (plain `next start`), it is absent and every client
 * counts as "unknown": one shared sign-in budget, never a budget a client can pick.
 */
export const PEER_ADDRESS_HEADER = "x-migration-checkpoints-peer";

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

/** Proxies whose `X-Forwarded-For` is believed: parsed TRUSTED_PROXIES (CIDRs or single addresses). */
export type TrustedProxies = readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];

/**
 * TRUSTED_PROXIES → ranges: comma-separated CIDRs or addresses ("10.0.0.0/8, ::1"). Throws naming
 * the entry that is neither.
 */
export function parseTrustedProxies(setting: string | undefined): TrustedProxies {
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const raw of (setting ?? "").split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    try {
      ranges.push(entry.includes("/") ? ipaddr.parseCIDR(entry) : wholeAddress(ipaddr.parse(entry)));
    } catch {
      throw new Error(`TRUSTED_PROXIES: "${entry.slice(0, 60)}" is neither an IP address nor a CIDR range`);
    }
  }
  return ranges;
}

function wholeAddress(address: ipaddr.IPv4 | ipaddr.IPv6): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  return [address, address.kind() === "ipv4" ? 32 : 128];
}

/** An address in its canonical form (IPv4-mapped IPv6 as plain IPv4), or null when it is not one. */
function parseAddress(text: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const t = (text ?? "").trim().replace(/^\[(.*)\]$/, "$1");
  if (!t || !ipaddr.isValid(t)) return null;
  const address = ipaddr.parse(t);
  return address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

function isTrusted(address: ipaddr.IPv4 | ipaddr.IPv6, trusted: TrustedProxies): boolean {
  return trusted.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

/**
 * The client's address, as far as it can be known without believing the client: the TCP peer
 * (PEER_ADDRESS_HEADER) unless that peer is a trusted proxy; then `X-Forwarded-For` is walked from
 * the right, each trusted hop skipped, and the first address not trusted is the client's (a value
 * that is not an address stops the walk at the hop that wrote it). Never the left-most value, which
 * whoever connects can write. "unknown" when the server did not say who is connected.
 */
export function clientAddress(headers: HeaderSource, trusted: TrustedProxies = []): string {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const v = headers[name];
    return Array.isArray(v) ? v.join(",") : v;
  };
  let client = parseAddress(get(PEER_ADDRESS_HEADER));
  if (!client) return "unknown";
  if (isTrusted(client, trusted)) {
    const hops = (get("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
    for (let i = hops.length - 1; i >= 0 && isTrusted(client, trusted); i--) {
      const hop = parseAddress(hops[i]);
      if (!hop) break;
      client = hop;
    }
  }
  return client.toString();
}

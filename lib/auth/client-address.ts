/**
 * The client's address as the reverse proxy passes it on (`x-forwarded-for`, first hop, or
 * `x-real-ip`). Informational and a rate-limit key: it is only as trustworthy as the proxy in front.
 */
export function clientAddress(headers: Headers | Record<string, string | string[] | undefined>): string {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const forwarded = get("x-forwarded-for")?.split(",")[0]?.trim();
  const address = forwarded || get("x-real-ip")?.trim() || "unknown";
  return address.replace(/[^\w.:[\]-]/g, "").slice(0, 100) || "unknown";
}

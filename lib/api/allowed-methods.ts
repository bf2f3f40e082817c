/**
 * Which methods a path of the API answers, from the endpoint list the OpenAPI document is built from.
 * Pure. Like Next's router, a static segment wins over a parameter (`/checkpoint/validate` is not a
 * checkpoint id), so only the most specific matching templates count.
 */
export interface Endpoint {
  method: string;
  path: string;
}

/** The methods allowed at `pathname` (HEAD with GET, OPTIONS always); null when no endpoint has this path. */
export function allowedMethods(pathname: string, endpoints: readonly Endpoint[]): string[] | null {
  const segments = pathname.replace(/\/+$/, "").split("/");
  let best = Infinity;
  let methods = new Set<string>();
  for (const e of endpoints) {
    const template = e.path.split("/");
    if (template.length !== segments.length) continue;
    let params = 0;
    const matches = template.every((part, i) => {
      if (/^\{\w+\}$/.test(part)) {
        params += 1;
        return segments[i] !== "";
      }
      return part === segments[i];
    });
    if (!matches || params > best) continue;
    if (params < best) {
      best = params;
      methods = new Set();
    }
    methods.add(e.method);
  }
  if (methods.size === 0) return null;
  if (methods.has("GET")) methods.add("HEAD");
  methods.add("OPTIONS");
  return [...methods].sort();
}

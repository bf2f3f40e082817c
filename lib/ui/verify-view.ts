/** The verification report (a verify job's result) as the Backups card shows it. */
export interface VerifyComponentView {
  component: string;
  ok: boolean;
  problems: { path: string; kind: string; detail: string }[];
}

export interface VerifyView {
  ok: boolean;
  components: VerifyComponentView[];
}

const KIND_TEXT: Record<string, string> = {
  missing: "missing",
  altered: "altered (sha256 differs)",
  unexpected: "not in the manifest",
  manifest_missing: "manifest missing",
  manifest_invalid: "manifest invalid",
};

/** Reads `{ok, components:[{component, ok, problems:[{path, kind, expected?, actual?, message?}]}]}`. */
export function readVerifyReport(value: unknown): VerifyView | null {
  if (!value || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v.components)) return null;
  const components = v.components
    .filter((c): c is Record<string, unknown> => !!c && typeof c === "object")
    .map((c) => ({
      component: String(c.component ?? "?"),
      ok: c.ok === true,
      problems: (Array.isArray(c.problems) ? c.problems : [])
        .filter((p): p is Record<string, unknown> => !!p && typeof p === "object")
        .map((p) => {
          const kind = String(p.kind ?? "problem");
          const hashes = typeof p.expected === "string" ? `expected ${short(p.expected)}${typeof p.actual === "string" ? `, found ${short(p.actual)}` : ""}` : "";
          return {
            path: String(p.path ?? "?"),
            kind: KIND_TEXT[kind] ?? kind,
            detail: [hashes, typeof p.message === "string" ? p.message : ""].filter(Boolean).join(" — "),
          };
        }),
    }));
  return { ok: v.ok === true && components.every((c) => c.ok), components };
}

function short(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 12)}…` : hash;
}

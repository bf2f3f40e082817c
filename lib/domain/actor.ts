/** Who performs an action: recorded on checkpoints, jobs and audit events. */
export interface Actor {
  name: string;
  role?: string | null;
  /** Where the request came from (IP, "cli", "worker"), for the audit trail. */
  origin?: string | null;
  /** How a person authenticated: a browser session (typed-name confirmations apply) or an API token. */
  kind?: "session" | "token";
  /** The API token acted through (kind "token"): the admin who created it is the person behind it. */
  tokenId?: string;
}

export const SYSTEM_ACTOR: Actor = { name: "system", role: "system", origin: "system" };

/** Who performs an action: recorded on checkpoints, jobs and audit events. */
export interface Actor {
  name: string;
  role?: string | null;
  /** Where the request came from (IP, "cli", "worker"), for the audit trail. */
  origin?: string | null;
}

export const SYSTEM_ACTOR: Actor = { name: "system", role: "system", origin: "system" };

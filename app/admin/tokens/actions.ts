"use server";

import { revalidatePath } from "next/cache";
import { getDb } from "../../../lib/db/client";
import { isRole } from "../../../lib/auth/permissions";
import { requirePrivilegeChange, requireRole } from "../../../lib/auth/session";
import { createApiToken, revokeApiToken } from "../../../lib/auth/tokens";
import { actionFailure, type ActionResult } from "../action-result";

// Each action checks the role itself: a server action is an endpoint of its own, whatever page shows it.

export async function createTokenAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireRole("admin", { callbackUrl: "/admin/tokens" });
  try {
    // A new token is new power: it needs a recent sign-in, as rollback does.
    const actor = await requirePrivilegeChange();
    const role = String(form.get("role") ?? "");
    if (!isRole(role)) return { ok: false, message: "Choose a role." };
    const { token, apiToken } = await createApiToken(getDb(), { name: String(form.get("name") ?? ""), role, createdBy: actor });
    revalidatePath("/admin/tokens");
    return { ok: true, message: `Created ${apiToken.role} token "${apiToken.name}". Copy it now, it is shown once:`, secret: token };
  } catch (e) {
    return actionFailure(e);
  }
}

export async function revokeTokenAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const actor = await requireRole("admin", { callbackUrl: "/admin/tokens" });
  try {
    const token = await revokeApiToken(getDb(), String(form.get("tokenId") ?? ""), actor);
    revalidatePath("/admin/tokens");
    return { ok: true, message: `Token "${token.name}" is revoked.` };
  } catch (e) {
    return actionFailure(e);
  }
}

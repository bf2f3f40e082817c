"use server";

import { revalidatePath } from "next/cache";
import { getDb } from "../../../lib/db/client";
import { generatePassword } from "../../../lib/auth/password";
import { isRole } from "../../../lib/auth/permissions";
import { requirePrivilegeChange, requireRole } from "../../../lib/auth/session";
import { createDashboardUser, setDashboardUserDisabled, setDashboardUserRole } from "../../../lib/auth/users";
import { actionFailure, type ActionResult } from "../action-result";

// Each action checks the role itself: a server action is an endpoint of its own, whatever page shows it.
// Those that raise someone's power (create, role, enable) also need a recent sign-in.

export async function createUserAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireRole("admin", { callbackUrl: "/admin/users" });
  try {
    const actor = await requirePrivilegeChange();
    const role = String(form.get("role") ?? "");
    if (!isRole(role)) return { ok: false, message: "Choose a role." };
    const typed = String(form.get("password") ?? "");
    const password = typed || generatePassword();
    const user = await createDashboardUser(getDb(), { email: String(form.get("email") ?? ""), name: String(form.get("name") ?? "") || undefined, role, password }, actor);
    revalidatePath("/admin/users");
    return typed
      ? { ok: true, message: `Created ${user.role} ${user.email}.` }
      : { ok: true, message: `Created ${user.role} ${user.email}. Their password, shown once:`, secret: password };
  } catch (e) {
    return actionFailure(e);
  }
}

export async function setUserDisabledAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const signedIn = await requireRole("admin", { callbackUrl: "/admin/users" });
  try {
    const disabled = form.get("disabled") === "true";
    // Disabling takes power away and stays quick; enabling gives it back, so it needs a recent sign-in.
    const actor = disabled ? signedIn : await requirePrivilegeChange();
    const user = await setDashboardUserDisabled(getDb(), String(form.get("userId") ?? ""), disabled, actor);
    revalidatePath("/admin/users");
    return { ok: true, message: `${user.email} is ${disabled ? "disabled" : "enabled"}.` };
  } catch (e) {
    return actionFailure(e);
  }
}

export async function setUserRoleAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  await requireRole("admin", { callbackUrl: "/admin/users" });
  try {
    const actor = await requirePrivilegeChange();
    const role = String(form.get("role") ?? "");
    if (!isRole(role)) return { ok: false, message: "Choose a role." };
    const user = await setDashboardUserRole(getDb(), String(form.get("userId") ?? ""), role, actor);
    revalidatePath("/admin/users");
    return { ok: true, message: `${user.email} is now ${user.role}.` };
  } catch (e) {
    return actionFailure(e);
  }
}

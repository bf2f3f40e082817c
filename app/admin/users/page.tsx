import type { Metadata } from "next";
import { getDb } from "../../../lib/db/client";
import { ROLES } from "../../../lib/auth/permissions";
import { checkRole } from "../../../lib/auth/session";
import { listDashboardUsers } from "../../../lib/auth/users";
import { Card, EmptyState, PageTitle } from "../../../components/ui/card";
import { ActionForm } from "../action-form";
import { ForbiddenNotice } from "../forbidden-notice";
import { formatDateTime } from "../../../lib/ui/format";
import { createUserAction, setUserDisabledAction, setUserRoleAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

const field = "rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-slate-300";
const button = "rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800";
const quiet = "rounded-md px-2 py-1 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50";

/** Dashboard users: list, create, change role, disable / enable. Admins only. */
export default async function UsersPage() {
  const access = await checkRole("admin", { callbackUrl: "/admin/users" });
  if (!access.ok) return <ForbiddenNotice message={access.message} />;
  const users = await listDashboardUsers(getDb());

  return (
    <>
      <PageTitle title="Users" subtitle="Who can sign in to the dashboard, and with which role. viewer: read; operator: create, validate, verify; admin: rollback, delete, users, tokens." />
      <div className="space-y-6">
        <Card title="Add a user">
          <ActionForm action={createUserAction} className="flex flex-wrap items-end gap-3">
            <label className="text-sm text-slate-700">Email<br /><input name="email" type="email" required className={field} /></label>
            <label className="text-sm text-slate-700">Name<br /><input name="name" className={field} /></label>
            <label className="text-sm text-slate-700">Role<br />
              <select name="role" defaultValue="viewer" className={field}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
            </label>
            <label className="text-sm text-slate-700">Password (empty: generate)<br /><input name="password" type="password" autoComplete="new-password" className={field} /></label>
            <button type="submit" className={button}>Add user</button>
          </ActionForm>
        </Card>
        <Card title={`Users (${users.length})`}>
          {users.length === 0 ? (
            <EmptyState title="No users yet">Add one above, or run npm run user:create.</EmptyState>
          ) : (
            <div className="overflow-x-auto">
              <table className="min-w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr><th className="py-2 pr-4">Email</th><th className="pr-4">Name</th><th className="pr-4">Role</th><th className="pr-4">Sign-in</th><th className="pr-4">Last sign-in</th><th className="pr-4">Status</th><th /></tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {users.map((u) => (
                    <tr key={u.id} className={u.disabled ? "text-slate-400" : "text-slate-800"}>
                      <td className="py-2 pr-4 font-medium">{u.email}{u.id === access.actor.userId ? " (you)" : ""}</td>
                      <td className="pr-4">{u.name ?? "—"}</td>
                      <td className="pr-4">
                        <ActionForm action={setUserRoleAction} className="flex items-center gap-2">
                          <input type="hidden" name="userId" value={u.id} />
                          <select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} className={field}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
                          <button type="submit" className={quiet}>Set</button>
                        </ActionForm>
                      </td>
                      <td className="pr-4">{u.hasPassword ? "password" : "OIDC"}</td>
                      <td className="pr-4">{u.lastSignInAt ? formatDateTime(u.lastSignInAt.toISOString()) : "never"}</td>
                      <td className="pr-4">{u.disabled ? "disabled" : "active"}</td>
                      <td>
                        <ActionForm action={setUserDisabledAction} confirm={u.disabled ? undefined : `Disable ${u.email}? Their sessions stop working at once.`}>
                          <input type="hidden" name="userId" value={u.id} />
                          <input type="hidden" name="disabled" value={u.disabled ? "false" : "true"} />
                          <button type="submit" className={quiet}>{u.disabled ? "Enable" : "Disable"}</button>
                        </ActionForm>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}

import type { Metadata } from "next";
import { getDb } from "../../../lib/db/client";
import { ROLES } from "../../../lib/auth/permissions";
import { checkRole } from "../../../lib/auth/session";
import { listDashboardUsers } from "../../../lib/auth/users";
import { Card, EmptyState, PageTitle } from "../../../components/ui/card";
import { DataTable, type Column } from "../../../components/ui/data-table";
import { ActionForm } from "../action-form";
import { ForbiddenNotice } from "../forbidden-notice";
import { formatDateTime } from "../../../lib/ui/format";
import { createUserAction, setUserDisabledAction, setUserRoleAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Users" };

const field = "rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-slate-300";
const button = "rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800";
const quiet = "rounded-md px-2 py-1 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50";

type User = Awaited<ReturnType<typeof listDashboardUsers>>[number];

function userColumns(you: string | null | undefined): Column<User>[] {
  return [
    { header: "Email", className: "font-medium", cell: (u) => `${u.email}${u.id === you ? " (you)" : ""}` },
    { header: "Name", cell: (u) => u.name ?? "—" },
    {
      header: "Role",
      cell: (u) => (
        <ActionForm action={setUserRoleAction} className="flex items-center gap-2">
          <input type="hidden" name="userId" value={u.id} />
          <select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} className={field}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
          <button type="submit" className={quiet}>Set</button>
        </ActionForm>
      ),
    },
    { header: "Sign-in", cell: (u) => (u.hasPassword ? "password" : "OIDC") },
    { header: "Last sign-in", cell: (u) => (u.lastSignInAt ? formatDateTime(u.lastSignInAt.toISOString()) : "never") },
    { header: "Status", cell: (u) => (u.disabled ? "disabled" : "active") },
    {
      header: "",
      cell: (u) => (
        <ActionForm action={setUserDisabledAction} confirm={u.disabled ? undefined : `Disable ${u.email}? Their sessions stop working at once.`}>
          <input type="hidden" name="userId" value={u.id} />
          <input type="hidden" name="disabled" value={u.disabled ? "false" : "true"} />
          <button type="submit" className={quiet}>{u.disabled ? "Enable" : "Disable"}</button>
        </ActionForm>
      ),
    },
  ];
}

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
            <DataTable flush columns={userColumns(access.actor.userId)} rows={users} rowKey={(u) => u.id} rowProps={(u) => ({ className: u.disabled ? "text-slate-400" : "text-slate-800" })} />
          )}
        </Card>
      </div>
    </>
  );
}

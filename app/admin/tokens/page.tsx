import type { Metadata } from "next";
import { getDb } from "../../../lib/db/client";
import { ROLES } from "../../../lib/auth/permissions";
import { checkRole } from "../../../lib/auth/session";
import { listApiTokens } from "../../../lib/auth/tokens";
import { Card, EmptyState, PageTitle } from "../../../components/ui/card";
import { DataTable, type Column } from "../../../components/ui/data-table";
import { ActionForm } from "../action-form";
import { ForbiddenNotice } from "../forbidden-notice";
import { formatDateTime } from "../../../lib/ui/format";
import { createTokenAction, revokeTokenAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "API tokens" };

const field = "rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-slate-300";
const when = (d: Date | null) => (d ? formatDateTime(d.toISOString()) : "never");

type Token = Awaited<ReturnType<typeof listApiTokens>>[number];

const TOKEN_COLUMNS: Column<Token>[] = [
  { header: "Name", className: "font-medium", cell: (t) => t.name },
  { header: "Token", className: "font-mono", cell: (t) => `${t.prefix}…` },
  { header: "Role", cell: (t) => t.role },
  { header: "Created", cell: (t) => `${when(t.createdAt)} by ${t.createdBy}` },
  { header: "Last used", cell: (t) => when(t.lastUsedAt) },
  { header: "Status", cell: (t) => (t.revokedAt ? `revoked ${when(t.revokedAt)}` : "active") },
  {
    header: "",
    cell: (t) =>
      t.revokedAt ? null : (
        <ActionForm action={revokeTokenAction} confirm={`Revoke "${t.name}"? Requests bearing it are refused from now on.`}>
          <input type="hidden" name="tokenId" value={t.id} />
          <button type="submit" className="rounded-md px-2 py-1 text-xs font-medium text-rose-700 ring-1 ring-rose-300 hover:bg-rose-50">Revoke</button>
        </ActionForm>
      ),
  },
];

/** API tokens of the REST API: list, create (shown once), revoke. Admins only. */
export default async function TokensPage() {
  const access = await checkRole("admin", { callbackUrl: "/admin/tokens" });
  if (!access.ok) return <ForbiddenNotice message={access.message} />;
  const tokens = await listApiTokens(getDb());

  return (
    <>
      <PageTitle title="API tokens" subtitle="Send a token as Authorization: Bearer mct_…. Only its hash is stored: it is shown once, when created." />
      <div className="space-y-6">
        <Card title="Create a token">
          <ActionForm action={createTokenAction} className="flex flex-wrap items-end gap-3">
            <label className="text-sm text-slate-700">Name<br /><input name="name" required maxLength={60} placeholder="ci" className={field} /></label>
            <label className="text-sm text-slate-700">Role<br />
              <select name="role" defaultValue="operator" className={field}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
            </label>
            <button type="submit" className="rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800">Create token</button>
          </ActionForm>
        </Card>
        <Card title={`Tokens (${tokens.length})`}>
          {tokens.length === 0 ? (
            <EmptyState title="No API tokens">Create one above, or run npm run token:create.</EmptyState>
          ) : (
            <DataTable flush columns={TOKEN_COLUMNS} rows={tokens} rowKey={(t) => t.id} rowProps={(t) => ({ className: t.revokedAt ? "text-slate-400" : "text-slate-800" })} />
          )}
        </Card>
      </div>
    </>
  );
}

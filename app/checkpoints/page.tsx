import type { Metadata } from "next";
import Link from "next/link";
import { getAppContext } from "../../lib/context";
import { listCheckpointsView, type CheckpointRow } from "../../lib/checkpoints/list-checkpoints-view";
import { PHASE_LABELS } from "../../lib/domain/phases";
import { checkpointListHref, parseCheckpointListParams } from "../../lib/ui/checkpoint-list-params";
import { formatBytes } from "../../lib/ui/format";
import { CheckpointFilters } from "../../components/checkpoints/checkpoint-filters";
import { Pagination } from "../../components/ui/pagination";
import { StatusBadge, ToneBadge } from "../../components/ui/status-badge";
import { TimeAgo } from "../../components/ui/time-ago";
import { DataTable, type Column } from "../../components/ui/data-table";
import { EmptyState, PageTitle } from "../../components/ui/card";
import { requireRole } from "../../lib/auth/session";
import { pageUrl } from "../../lib/ui/page-url";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Checkpoints" };

export default async function CheckpointsPage(props: PageProps<"/checkpoints">) {
  // Every page checks the session itself (a proxy is not an auth boundary).
  await requireRole("viewer", { callbackUrl: pageUrl("/checkpoints", await props.searchParams) });
  const params = parseCheckpointListParams(await props.searchParams);
  const list = await listCheckpointsView(getAppContext(), params);
  const now = new Date();
  const filtered = params.phase !== null || params.status !== null || params.q !== "";
  const first = (list.page - 1) * list.pageSize + 1;
  const last = first + list.rows.length - 1;

  return (
    <>
      <PageTitle title="Checkpoints" subtitle="Verified backups of the target's database, files and config, one or more per phase." />
      <CheckpointFilters params={params} />

      <div className="mt-4 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        {list.rows.length === 0 ? (
          <div className="p-4">
            {filtered ? (
              <EmptyState title="No checkpoint matches these filters">
                <Link href="/checkpoints" className="text-sky-700 hover:underline">
                  Show all checkpoints
                </Link>
              </EmptyState>
            ) : (
              <EmptyState title="No checkpoints yet — create the first one for phase Initial." />
            )}
          </div>
        ) : (
          <DataTable caption="Checkpoints" hover columns={checkpointColumns(now)} rows={list.rows} rowKey={(c) => c.id} />
        )}
      </div>
      {list.total > 0 ? (
        <Pagination
          page={list.page}
          pageCount={list.pageCount}
          summary={`${first}–${last} of ${list.total}`}
          hrefFor={(page) => checkpointListHref(params, { page })}
        />
      ) : null}
    </>
  );
}

function checkpointColumns(now: Date): Column<CheckpointRow>[] {
  return [
    {
      header: "Name",
      className: "sm:max-w-xs",
      cell: (c) => (
        <>
          <Link href={`/checkpoints/${c.id}`} className="font-medium text-sky-800 [overflow-wrap:anywhere] hover:underline">
            {c.name}
          </Link>
          {c.isSafety ? (
            <span className="ml-2">
              <ToneBadge tone="neutral" title="Taken automatically before a rollback">
                Safety
              </ToneBadge>
            </span>
          ) : null}
          <span className="block text-xs text-slate-500 sm:hidden">{PHASE_LABELS[c.phase]}</span>
          {c.description ? <span className="line-clamp-2 block text-xs text-slate-500">{c.description}</span> : null}
        </>
      ),
    },
    { header: "Phase", from: "sm", className: "whitespace-nowrap text-slate-700", cell: (c) => PHASE_LABELS[c.phase] },
    { header: "Status", className: "whitespace-nowrap", cell: (c) => <StatusBadge kind="checkpoint" status={c.status} /> },
    {
      header: "Created",
      from: "md",
      className: "whitespace-nowrap text-slate-600",
      cell: (c) => (
        <>
          <TimeAgo iso={c.createdAt} now={now} /> <span className="text-slate-400">by {c.createdBy}</span>
        </>
      ),
    },
    { header: "Validated", from: "lg", className: "whitespace-nowrap text-slate-600", cell: (c) => <TimeAgo iso={c.validatedAt} now={now} fallback="—" /> },
    {
      header: "Size",
      align: "right",
      from: "md",
      className: "whitespace-nowrap text-slate-600",
      cell: (c) => (c.sizeBytes === null ? <span className="text-slate-400" title="No backups recorded">—</span> : formatBytes(c.sizeBytes)),
    },
  ];
}

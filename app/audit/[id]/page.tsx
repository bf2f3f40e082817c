import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { getDb } from "../../../lib/db/client";
import { getAuditEvent } from "../../../lib/audit/list-audit-events";
import { formatDateTime, humanize } from "../../../lib/ui/format";
import { PageTitle } from "../../../components/ui/card";
import { StatusBadge } from "../../../components/ui/status-badge";
import { actorWithRole, requireRole } from "../../../lib/auth/session";

export const dynamic = "force-dynamic";

// Read for the signed-in role: a viewer reads the texts in before/after with row values withheld.
const load = cache((id: string, role: string) => getAuditEvent(getDb(), id, role));

export async function generateMetadata(props: PageProps<"/audit/[id]">): Promise<Metadata> {
  // Authorized before anything is read: the title of a refused request names no event.
  const actor = await actorWithRole("viewer");
  if (!actor) return { title: "Audit event" };
  const e = await load((await props.params).id, actor.role);
  return { title: e ? `Audit event #${e.seq}` : "Audit event not found" };
}

/** The permalink of one audit event: every stored field, its hashes and its place in the chain. */
export default async function AuditEventPage(props: PageProps<"/audit/[id]">) {
  // Every page checks the session itself (a proxy is not an auth boundary).
  const { id } = await props.params;
  // A shared permalink brings the colleague back to this event after signing in.
  const actor = await requireRole("viewer", { callbackUrl: `/audit/${encodeURIComponent(id)}` });
  const e = await load(id, actor.role);
  if (!e) notFound();
  const fields: [string, React.ReactNode][] = [
    ["When", <time key="at" dateTime={e.at}>{formatDateTime(e.at)} <span className="text-slate-500">({e.at})</span></time>],
    ["Actor", <span key="actor">{e.actor}{e.actorRole ? <span className="text-slate-500"> · role {e.actorRole}</span> : null}</span>],
    ["Origin", e.origin ?? "—"],
    ["Action", <code key="action" className="font-mono text-xs">{e.action}</code>],
    ["Result", <StatusBadge key="result" kind="audit" status={e.result} />],
    ["Target", <span key="target">{humanize(e.targetType)}{e.targetId ? <code className="ml-2 font-mono text-xs [overflow-wrap:anywhere]">{e.targetId}</code> : null}</span>],
    [
      "Checkpoint",
      e.checkpointId ? (
        e.checkpointName ? (
          <Link key="cp" href={`/checkpoints/${e.checkpointId}`} className="text-sky-700 hover:underline">{e.checkpointName}</Link>
        ) : (
          <span key="cp"><code className="font-mono text-xs">{e.checkpointId}</code> <span className="text-slate-500">(deleted)</span></span>
        )
      ) : (
        "—"
      ),
    ],
    ["Event ID", <code key="id" className="font-mono text-xs [overflow-wrap:anywhere]">{e.id}</code>],
  ];
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/audit" className="hover:text-slate-800 hover:underline">Audit trail</Link> / <span className="text-slate-700">#{e.seq}</span>
      </nav>
      <PageTitle title={<>#{e.seq} · {humanize(e.action)}</>} subtitle={`${e.actor} · ${formatDateTime(e.at)}`} />
      <div className="space-y-6">
        <section aria-label="Event" className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
          <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-2">
            {fields.map(([label, value]) => (
              <div key={label} className="min-w-0">
                <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
                <dd className="mt-0.5 text-sm text-slate-900">{value}</dd>
              </div>
            ))}
          </dl>
        </section>
        <div className="grid gap-6 lg:grid-cols-2">
          <JsonBlock title="Before" value={e.before} />
          <JsonBlock title="After" value={e.after} />
        </div>
        <section aria-labelledby="chain-title" className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
          <h2 id="chain-title" className="text-sm font-semibold text-slate-900">Hash chain</h2>
          <dl className="mt-3 space-y-3 text-sm">
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Previous hash</dt>
              <dd className="mt-0.5 flex flex-wrap items-center gap-2">
                <code className="break-all font-mono text-xs">{e.prevHash}</code>
                <StatusBadge kind="chain_link" status={e.linkValid ? "valid" : "broken"} />
              </dd>
            </div>
            <div>
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Hash</dt>
              <dd className="mt-0.5 flex flex-wrap items-center gap-2">
                <code className="break-all font-mono text-xs">{e.hash}</code>
                <StatusBadge kind="chain_hash" status={e.hashValid ? "valid" : "altered"} />
                <StatusBadge kind="chain_key" status={e.keyed ? "keyed" : "legacy"} />
              </dd>
            </div>
          </dl>
        </section>
        <nav aria-label="Neighbouring events" className="flex justify-between gap-3 text-sm font-medium">
          {e.previous ? (
            <Link href={`/audit/${e.previous.id}`} className="text-sky-700 hover:underline" rel="prev">← #{e.previous.seq} (previous)</Link>
          ) : (
            <span className="text-slate-400">First event</span>
          )}
          {e.next ? (
            <Link href={`/audit/${e.next.id}`} className="text-sky-700 hover:underline" rel="next">#{e.next.seq} (next) →</Link>
          ) : (
            <span className="text-slate-400">Latest event</span>
          )}
        </nav>
      </div>
    </>
  );
}

function JsonBlock({ title, value }: { title: string; value: unknown }) {
  return (
    <section aria-label={title} className="min-w-0 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <h2 className="border-b border-slate-100 px-4 py-3 text-sm font-semibold text-slate-900">{title}</h2>
      {value === null || value === undefined ? (
        <p className="p-4 text-sm text-slate-500">Nothing recorded.</p>
      ) : (
        <pre className="max-h-96 overflow-auto whitespace-pre-wrap p-4 font-mono text-xs text-slate-800 [overflow-wrap:anywhere]">{JSON.stringify(value, null, 2)}</pre>
      )}
    </section>
  );
}

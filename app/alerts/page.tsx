import type { Metadata } from "next";
import Link from "next/link";
import { revalidatePath } from "next/cache";
import { getDb } from "../../lib/db/client";
import { listAlerts } from "../../lib/alerts/list-alerts";
import { acknowledgeAlert } from "../../lib/alerts/acknowledge-alert";
import { retryAlertDelivery } from "../../lib/alerts/retry-alert-delivery";
import { requireRole } from "../../lib/auth/session";
import { EmptyState, PageTitle } from "../../components/ui/card";
import { DataTable, type Column } from "../../components/ui/data-table";
import { StatusBadge } from "../../components/ui/status-badge";
import { acknowledgedText, alertTime, deliveryDetail } from "../../lib/ui/alert-view";
import { auditValuesReadBy } from "../../lib/audit/audit-values-for-role";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Alerts and notifications" };

/** Queues a given-up webhook delivery again (operators and admins). */
async function retryDeliveryAction(form: FormData) {
  "use server";
  const actor = await requireRole("operator", { callbackUrl: "/alerts" });
  await retryAlertDelivery(getDb(), String(form.get("alertId") ?? ""), actor);
  revalidatePath("/", "layout");
}

async function acknowledgeAction(form: FormData) {
  "use server";
  const actor = await requireRole("operator", { callbackUrl: "/alerts" });
  await acknowledgeAlert(getDb(), String(form.get("alertId") ?? ""), actor);
  revalidatePath("/", "layout");
}

type AlertRow = Awaited<ReturnType<typeof listAlerts>>["items"][number];
const SMALL_BUTTON = "rounded-md bg-white px-2 py-1 text-xs font-medium ring-1 ring-slate-300 hover:bg-slate-50";

/** The webhook delivery of an alert; one given up offers a retry. */
function Delivery({ a }: { a: AlertRow }) {
  const d = deliveryDetail(a);
  if (d.state === "disabled") return <span className="text-slate-500">{d.text}</span>;
  if (d.state !== "failed") return <span>{d.text}</span>;
  return (
    <div>
      <span className="font-medium text-red-800">not delivered</span> {d.text}
      <form action={retryDeliveryAction} className="mt-1">
        <input type="hidden" name="alertId" value={a.id} />
        <button type="submit" className={SMALL_BUTTON}>
          Retry delivery
        </button>
      </form>
    </div>
  );
}

/** The columns of /alerts; titles and messages as `read` shows them to the signed-in role. */
function alertColumns(read: { text: (s: string) => string }): Column<AlertRow>[] {
  return [
    {
      header: "When (UTC)",
      className: "whitespace-nowrap tabular-nums text-slate-600",
      cell: (a) => <time dateTime={a.createdAt.toISOString()}>{alertTime(a.createdAt)}</time>,
    },
    {
      header: "Alert",
      cell: (a) => (
        <>
          <span className="mr-2">
            <StatusBadge kind="severity" status={a.severity} />
          </span>
          <span className="font-medium text-slate-900">{read.text(a.title)}</span>
          <p className="mt-0.5 text-slate-700 [overflow-wrap:anywhere]">{read.text(a.message)}</p>
          {a.checkpointId ? (
            <Link href={`/checkpoints/${a.checkpointId}`} className="text-xs text-sky-700 underline">
              Open the checkpoint
            </Link>
          ) : null}
        </>
      ),
    },
    { header: "Webhook", className: "text-slate-700", cell: (a) => <Delivery a={a} /> },
    {
      header: "Acknowledged",
      className: "text-slate-700",
      cell: (a) =>
        a.acknowledgedAt ? (
          <span>{acknowledgedText({ acknowledgedBy: a.acknowledgedBy, acknowledgedAt: a.acknowledgedAt })}</span>
        ) : (
          <form action={acknowledgeAction}>
            <input type="hidden" name="alertId" value={a.id} />
            <button type="submit" className={SMALL_BUTTON}>
              Acknowledge
            </button>
          </form>
        ),
    },
  ];
}

/** Every alert and notification (the newest 100) with its webhook delivery: sent, retrying, or not delivered and why. */
export default async function AlertsPage() {
  const actor = await requireRole("viewer", { callbackUrl: "/alerts" });
  const { items, total } = await listAlerts(getDb(), { limit: 100 });
  // An alert quotes the failure it reports (pg_restore's text may quote a row): the row-value rule.
  const read = auditValuesReadBy(actor.role);
  return (
    <>
      <PageTitle title="Alerts and notifications" />
      {items.length === 0 ? (
        <EmptyState title="No alerts yet">Failed validations, open gates, rollbacks, damaged backups and jobs that could not start are listed here.</EmptyState>
      ) : (
        <div className="rounded-lg bg-white ring-1 ring-slate-200">
          <DataTable
            caption={`Alerts, newest first (${items.length} of ${total})`}
            columns={alertColumns(read)}
            rows={items}
            rowKey={(a) => a.id}
            rowProps={(a) => ({ "data-alert-id": a.id, "data-webhook-status": a.webhookStatus })}
          />
        </div>
      )}
    </>
  );
}

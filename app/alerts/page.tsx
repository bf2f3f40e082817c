import type { Metadata } from "next";
import Link from "next/link";
import { revalidatePath } from "next/cache";
import { getDb } from "../../lib/db/client";
import { listAlerts } from "../../lib/alerts/list-alerts";
import { acknowledgeAlert } from "../../lib/alerts/acknowledge-alert";
import { retryAlertDelivery } from "../../lib/alerts/retry-alert-delivery";
import { requireRole } from "../../lib/auth/session";
import { EmptyState, PageTitle } from "../../components/ui/card";
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

const SEVERITY_CLASS: Record<string, string> = {
  critical: "bg-red-100 text-red-900",
  warning: "bg-amber-100 text-amber-900",
  info: "bg-sky-100 text-sky-900",
};

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
        <div className="overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">{`Alerts, newest first (${items.length} of ${total})`}</caption>
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">When (UTC)</th>
                <th scope="col" className="px-3 py-2 font-medium">Alert</th>
                <th scope="col" className="px-3 py-2 font-medium">Webhook</th>
                <th scope="col" className="px-3 py-2 font-medium">Acknowledged</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((a) => (
                <tr key={a.id} className="align-top" data-alert-id={a.id} data-webhook-status={a.webhookStatus}>
                  <td className="whitespace-nowrap px-3 py-2 tabular-nums text-slate-600">
                    <time dateTime={a.createdAt.toISOString()}>{a.createdAt.toISOString().replace("T", " ").slice(0, 19)}</time>
                  </td>
                  <td className="px-3 py-2">
                    <span className={`mr-2 rounded px-1.5 py-0.5 text-xs font-medium ${SEVERITY_CLASS[a.severity] ?? SEVERITY_CLASS.info}`}>{a.severity}</span>
                    <span className="font-medium text-slate-900">{read.text(a.title)}</span>
                    <p className="mt-0.5 text-slate-700 [overflow-wrap:anywhere]">{read.text(a.message)}</p>
                    {a.checkpointId ? (
                      <Link href={`/checkpoints/${a.checkpointId}`} className="text-xs text-sky-700 underline">
                        Open the checkpoint
                      </Link>
                    ) : null}
                  </td>
                  <td className="px-3 py-2 text-slate-700">
                    {a.webhookStatus === "disabled" ? (
                      <span className="text-slate-500">no webhook configured</span>
                    ) : a.webhookStatus === "sent" ? (
                      <span>sent{a.webhookSentAt ? ` ${a.webhookSentAt.toISOString().slice(11, 19)}` : ""} ({a.webhookAttempts} attempt{a.webhookAttempts === 1 ? "" : "s"})</span>
                    ) : a.webhookStatus === "failed" ? (
                      <div>
                        <span className="font-medium text-red-800">not delivered</span> after {a.webhookAttempts} attempts: {a.webhookLastError ?? "no error recorded"}
                        <form action={retryDeliveryAction} className="mt-1">
                          <input type="hidden" name="alertId" value={a.id} />
                          <button type="submit" className="rounded-md bg-white px-2 py-1 text-xs font-medium ring-1 ring-slate-300 hover:bg-slate-50">
                            Retry delivery
                          </button>
                        </form>
                      </div>
                    ) : (
                      <span>
                        {a.webhookAttempts === 0 ? "pending" : `retrying (${a.webhookAttempts} failed: ${a.webhookLastError ?? "?"})`}
                        {a.webhookNextAttemptAt ? `, next ${a.webhookNextAttemptAt.toISOString().slice(11, 19)}` : ""}
                      </span>
                    )}
                  </td>
                  <td className="px-3 py-2 text-slate-700">
                    {a.acknowledgedAt ? (
                      <span>
                        {a.acknowledgedBy ?? "someone"}, {a.acknowledgedAt.toISOString().replace("T", " ").slice(0, 16)}
                      </span>
                    ) : (
                      <form action={acknowledgeAction}>
                        <input type="hidden" name="alertId" value={a.id} />
                        <button type="submit" className="rounded-md bg-white px-2 py-1 text-xs font-medium ring-1 ring-slate-300 hover:bg-slate-50">
                          Acknowledge
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

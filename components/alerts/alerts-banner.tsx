import Link from "next/link";
import { revalidatePath } from "next/cache";
import { getDb } from "../../lib/db/client";
import { countUndeliveredAlerts, listOpenAlerts } from "../../lib/alerts/list-alerts";
import { acknowledgeAlert } from "../../lib/alerts/acknowledge-alert";
import { getActorFromSession, requireRole } from "../../lib/auth/session";
import { auditValuesReadBy } from "../../lib/audit/audit-values-for-role";
import { alertTime, bannerClasses, deliverySummary } from "../../lib/ui/alert-view";

/** Acknowledges one alert (operators and admins), recording who did; a server action checks the role itself. */
async function acknowledgeAlertAction(form: FormData) {
  "use server";
  const actor = await requireRole("operator", { callbackUrl: "/" });
  await acknowledgeAlert(getDb(), String(form.get("alertId") ?? ""), actor);
  revalidatePath("/", "layout");
}

/**
 * Open (unacknowledged) alerts that ask for attention, newest first: failed or inconclusive
 * validations, damaged backups, rollbacks (automatic, finished, failed), jobs that could not start.
 * Also says when notifications could not be delivered to the webhook. Rendered on the server;
 * `checkpointId` limits the list to one checkpoint's alerts.
 */
export async function AlertsBanner({ checkpointId }: { checkpointId?: string }) {
  const [alerts, undelivered, actor] = await Promise.all([listOpenAlerts(getDb(), { checkpointId }), countUndeliveredAlerts(getDb()), getActorFromSession()]);
  if (alerts.length === 0 && undelivered === 0) return null;
  // An alert quotes the failure it reports (pg_restore's text may quote a row): the row-value rule.
  const read = auditValuesReadBy(actor?.role);
  return (
    <section aria-label="Open alerts" className="mb-6 space-y-2">
      {undelivered > 0 ? (
        <p role="alert" data-testid="undelivered-alerts" className="rounded-lg bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200">
          {undelivered === 1 ? "1 notification" : `${undelivered} notifications`} could not be delivered to the alert webhook.{" "}
          <Link href="/alerts" className="font-medium underline">
            See the alerts page
          </Link>
        </p>
      ) : null}
      {alerts.map((a) => {
        const delivery = deliverySummary(a);
        return (
          <div
            key={a.id}
            role="alert"
            data-alert-kind={a.kind}
            className={`flex flex-wrap items-start justify-between gap-3 rounded-lg p-4 text-sm ring-1 ${bannerClasses(a.severity)}`}
          >
            <div className="min-w-0">
              <p className="font-semibold">{read.text(a.title)}</p>
              <p className="break-words">{read.text(a.message)}</p>
              <p className="mt-1 text-xs opacity-75">
                <time dateTime={a.createdAt.toISOString()}>{alertTime(a.createdAt)} UTC</time>
                {delivery ? ` · ${delivery}` : null}
              </p>
            </div>
            <form action={acknowledgeAlertAction}>
              <input type="hidden" name="alertId" value={a.id} />
              <button type="submit" className="rounded-md bg-white px-3 py-1.5 text-xs font-medium ring-1 ring-current hover:bg-slate-50">
                Acknowledge
              </button>
            </form>
          </div>
        );
      })}
    </section>
  );
}

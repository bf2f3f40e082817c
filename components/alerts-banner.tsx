import { revalidatePath } from "next/cache";
import { getDb } from "../lib/db/client";
import { acknowledgeAlert, listOpenAlerts } from "../lib/alerts/list-alerts";
import { requireRole } from "../lib/auth/session";

/** Acknowledges one alert (operators and admins); a server action checks the role itself. */
async function acknowledgeAlertAction(form: FormData) {
  "use server";
  await requireRole("operator", { callbackUrl: "/" });
  await acknowledgeAlert(getDb(), String(form.get("alertId") ?? ""));
  revalidatePath("/", "layout");
}

/**
 * Open (unacknowledged) alerts, newest first: failed validations and automatic rollbacks. Rendered
 * on the server; `checkpointId` limits the list to one checkpoint's alerts.
 */
export async function AlertsBanner({ checkpointId }: { checkpointId?: string }) {
  const alerts = await listOpenAlerts(getDb(), { checkpointId });
  if (alerts.length === 0) return null;
  return (
    <section aria-label="Open alerts" className="mb-6 space-y-2">
      {alerts.map((a) => (
        <div
          key={a.id}
          role="alert"
          className={`flex flex-wrap items-start justify-between gap-3 rounded-lg p-4 text-sm ring-1 ${
            a.severity === "critical" ? "bg-red-50 text-red-900 ring-red-200" : "bg-amber-50 text-amber-900 ring-amber-200"
          }`}
        >
          <div className="min-w-0">
            <p className="font-semibold">{a.title}</p>
            <p className="break-words">{a.message}</p>
            <p className="mt-1 text-xs opacity-75">
              <time dateTime={a.createdAt.toISOString()}>{a.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC</time>
              {a.webhookStatus !== "disabled" ? ` · webhook ${a.webhookStatus}` : null}
            </p>
          </div>
          <form action={acknowledgeAlertAction}>
            <input type="hidden" name="alertId" value={a.id} />
            <button type="submit" className="rounded-md bg-white px-3 py-1.5 text-xs font-medium ring-1 ring-current hover:bg-slate-50">
              Acknowledge
            </button>
          </form>
        </div>
      ))}
    </section>
  );
}

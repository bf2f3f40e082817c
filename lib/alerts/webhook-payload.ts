import type { AlertSeverity } from "./create-alert";

export type WebhookFormat = "json" | "slack";

export interface AlertForDelivery {
  id: string;
  createdAt: Date;
  kind: string;
  severity: string;
  title: string;
  message: string;
  checkpointId: string | null;
  validationRunId: string | null;
  rollbackId: string | null;
}

const SLACK_MARK: Record<AlertSeverity, string> = { critical: ":rotating_light:", warning: ":warning:", info: ":information_source:" };
/** Slack refuses a section text over 3,000 characters. */
const SLACK_TEXT_LIMIT = 2_900;

/**
 * The body POSTed for an alert. `json`: the alert's fields. `slack`: a Slack incoming-webhook
 * message (`text` for notifications, `blocks` for the channel), which Mattermost and Rocket.Chat
 * also accept.
 */
export function webhookBody(alert: AlertForDelivery, format: WebhookFormat): string {
  if (format === "slack") return JSON.stringify(slackMessage(alert));
  return JSON.stringify({
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    title: alert.title,
    message: alert.message,
    checkpointId: alert.checkpointId,
    validationRunId: alert.validationRunId,
    rollbackId: alert.rollbackId,
    createdAt: alert.createdAt.toISOString(),
  });
}

function slackMessage(alert: AlertForDelivery) {
  const mark = SLACK_MARK[alert.severity as AlertSeverity] ?? SLACK_MARK.info;
  const title = escapeSlack(alert.title);
  const message = escapeSlack(alert.message);
  const ids = [
    alert.checkpointId && `checkpoint \`${alert.checkpointId}\``,
    alert.validationRunId && `validation run \`${alert.validationRunId}\``,
    alert.rollbackId && `rollback \`${alert.rollbackId}\``,
  ].filter(Boolean);
  return {
    text: `${mark} ${title}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `${mark} *${title}*\n${truncate(message, SLACK_TEXT_LIMIT)}` } },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: [`${alert.severity} · ${alert.kind}`, ...ids, alert.createdAt.toISOString()].join(" · ") }],
      },
    ],
  };
}

/** Slack's mrkdwn reads &, < and > as markup (links, mentions): a message must not be able to ping @channel. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

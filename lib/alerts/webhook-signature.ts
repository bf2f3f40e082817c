import { createHmac, timingSafeEqual } from "node:crypto";

/** Headers of a signed webhook POST. */
export const TIMESTAMP_HEADER = "x-checkpoints-timestamp";
export const SIGNATURE_HEADER = "x-checkpoints-signature";
/** A receiver should refuse a timestamp further than this from its clock (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * `v1=` + hex HMAC-SHA256, keyed with ALERT_WEBHOOK_SECRET, of `<timestamp>.<body>`: the timestamp
 * (Unix seconds, sent in TIMESTAMP_HEADER) is signed with the exact body bytes, so neither can be
 * changed or replayed later without the secret.
 */
export function signWebhookBody(secret: string, body: string, timestampSeconds: number): string {
  return `v1=${createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex")}`;
}

/** What a receiver does: recompute over the raw body, compare in constant time, check the clock. */
export function verifyWebhookSignature(input: {
  secret: string;
  body: string;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  nowSeconds?: number;
  toleranceSeconds?: number;
}): boolean {
  const { secret, body, timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signWebhookBody(secret, body, Number(timestamp)));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

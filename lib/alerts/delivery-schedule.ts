/** Attempts of one webhook delivery before it is given up and shown as failed. */
export const MAX_DELIVERY_ATTEMPTS = 8;
export const DEFAULT_FIRST_RETRY_MS = 5_000;
const MAX_RETRY_DELAY_MS = 15 * 60_000;

/**
 * Wait after failed attempt `attempt` (1-based) before the next one: the first delay, tripled each
 * time, at most 15 minutes (5 s, 15 s, 45 s, 2¼ min, 6¾ min, 15 min, 15 min: about 40 minutes in all
 * with the defaults), or null when no attempt is left.
 */
export function nextDeliveryDelayMs(attempt: number, options: { firstRetryMs?: number; maxAttempts?: number } = {}): number | null {
  const maxAttempts = options.maxAttempts ?? MAX_DELIVERY_ATTEMPTS;
  if (attempt >= maxAttempts) return null;
  const first = options.firstRetryMs ?? DEFAULT_FIRST_RETRY_MS;
  return Math.min(first * 3 ** (attempt - 1), Math.max(first, MAX_RETRY_DELAY_MS));
}

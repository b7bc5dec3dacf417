/**
 * The one retry policy of ScaiDrive, shared by the engine and by adapters that pace their own
 * requests (SharePoint's Graph pacer). A failure is retried in exactly ONE layer, so attempts never
 * multiply across layers:
 *
 * - an adapter with a pacer retries what it can safely replay (throttling, transient 5xx, resets
 *   of idempotent requests) and hands over what it gave up on with `retryable: false`;
 * - the engine ({@link withRetry}) retries only a {@link RemoteError} with `retryable === true`
 *   (a transient failure nobody retried yet: an SMB connection drop, a reset the pacer must not
 *   replay, an Entra token endpoint that did not answer); everything else is returned at once.
 *
 * Both wait the same way: exponential backoff with jitter (base, 2×base, 4×base... each ±25 %,
 * capped), or the server's `Retry-After` when it sent one. Waiting stops early when the signal
 * aborts.
 */
import { isRemoteError } from "./remote-errors.js";

export interface RetryPolicy {
  /** Attempts in total, the first included (default 4). */
  attempts: number;
  /** First delay in ms (default 1000). */
  baseDelayMs: number;
  /** Longest backoff delay in ms (default 30000). */
  maxDelayMs: number;
}

/** The engine's policy (SMB and any adapter without a pacer): 4 attempts, waits of about 1 s, 2 s, 4 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** Wait in ms before attempt `attempt + 1` (`attempt` counts from 1): exponential, ±25 % jitter, capped. */
export function backoffMs(policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, attempt: number): number {
  const step = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(step * (0.75 + Math.random() * 0.5), policy.maxDelayMs);
}

/**
 * An HTTP `Retry-After` value in ms: delta-seconds (`"5"`) or an HTTP date
 * (`"Wed, 21 Oct 2026 07:28:00 GMT"`, counted from `now`; a date in the past is 0). Undefined when
 * absent or unreadable.
 */
export function retryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Runs `fn`; a RemoteError marked `retryable` is retried with backoff until `policy.attempts` are
 * spent, then thrown. Anything else (a non-retryable RemoteError, a foreign error) is thrown at once.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  onRetry?: (err: unknown, attempt: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(isRemoteError(err) && err.retryable) || attempt >= policy.attempts || signal?.aborted) throw err;
      onRetry?.(err, attempt);
      await sleep(backoffMs(policy, attempt), signal);
    }
  }
}

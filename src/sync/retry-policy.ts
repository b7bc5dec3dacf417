/**
 * Retries for job-level transient failures: an `unreachable` remote is retried with exponential
 * backoff (base, 2×base, 4×base... capped) before the job fails with CONNECTOR_UNREACHABLE.
 * Anything else is returned to the caller at once. Waiting stops early when the signal aborts.
 */
import { isRemoteError } from "./remote-errors.js";

export interface RetryPolicy {
  /** Attempts in total, the first included (default 4). */
  attempts: number;
  /** First delay in ms (default 1000). */
  baseDelayMs: number;
  /** Longest delay in ms (default 30000). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

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

export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy, signal?: AbortSignal, onRetry?: (err: unknown, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRemoteError(err, "unreachable") || attempt >= policy.attempts || signal?.aborted) throw err;
      onRetry?.(err, attempt);
      await sleep(Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs), signal);
    }
  }
}

/**
 * Our retry policy for what the Graph SDK's RetryHandler does not cover (rclone's `lib/pacer`
 * habit: one place decides how long to wait and when to give up):
 * - 429 / 503 / 504 on requests the SDK refuses to replay (`application/octet-stream` bodies,
 *   i.e. uploads), honouring `Retry-After`;
 * - 500 / 502 / 503 / 504 and connection failures (reset, refused, timeouts) on idempotent reads
 *   (GET / HEAD), with exponential backoff and jitter;
 * - the same for pre-authenticated URLs (downloads, upload fragments) through {@link Pacer.run}.
 *
 * Only replayable bodies (Buffers, strings, none) are ever retried — the adapter never hands a
 * stream to a request that may be replayed. When the attempts are spent the last answer (or
 * error) is returned to the caller, who maps it to RemoteError `unreachable`.
 */
import type { Context } from "@microsoft/microsoft-graph-client";
import type { Middleware } from "@microsoft/microsoft-graph-client";
import type { Logger } from "pino";
import { networkErrorCode, retryAfterSeconds } from "./graph-errors.js";

export interface PacerOptions {
  /** Attempts in total, first included (default 6). */
  maxAttempts?: number;
  /** First backoff step (default 250 ms); doubles per attempt. */
  baseDelayMs?: number;
  /** Cap on any single wait, including Retry-After (default 60 s). */
  maxDelayMs?: number;
  logger?: Logger;
}

/** Statuses the SDK's RetryHandler retries for buffered (non-octet-stream) bodies. */
export const SDK_RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);
const THROTTLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Pacer {
  readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly logger?: Logger;

  constructor(o: PacerOptions = {}) {
    this.maxAttempts = o.maxAttempts ?? 6;
    this.baseDelayMs = o.baseDelayMs ?? 250;
    this.maxDelayMs = o.maxDelayMs ?? 60_000;
    this.logger = o.logger;
  }

  /** Wait before attempt `attempt + 1`: Retry-After when given, else exponential backoff with jitter. */
  delayMs(attempt: number, retryAfter?: string | null): number {
    const ra = retryAfterSeconds(retryAfter);
    const backoff = this.baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
    return Math.min(ra !== undefined ? ra * 1000 : backoff, this.maxDelayMs);
  }

  log(what: string, attempt: number, status: number, waitMs: number): void {
    this.logger?.warn({ what, attempt, status, waitMs: Math.round(waitMs) }, "graph answered a transient error, retrying");
  }

  /**
   * Should a response be retried? Throttling (429/503/504) always may be, since the server did
   * not process it; other transient 5xx only for idempotent methods.
   */
  static retryableStatus(status: number, idempotent: boolean): boolean {
    return THROTTLE_STATUSES.has(status) || (idempotent && TRANSIENT_STATUSES.has(status));
  }

  /**
   * Runs `attempt` until it returns a Response that is not retryable, or throws a non-network
   * error, or the attempts are spent (then the last Response is returned / the last error thrown).
   * Failed responses' bodies are discarded before the next attempt.
   */
  async run(what: string, idempotent: boolean, attempt: () => Promise<Response>): Promise<Response> {
    for (let n = 1; ; n++) {
      let res: Response;
      try {
        res = await attempt();
      } catch (err) {
        const net = networkErrorCode(err);
        if (!net || !idempotent || n >= this.maxAttempts) throw err;
        const wait = this.delayMs(n);
        this.logger?.warn({ what, attempt: n, error: net, waitMs: Math.round(wait) }, "graph request failed, retrying");
        await sleep(wait);
        continue;
      }
      if (!Pacer.retryableStatus(res.status, idempotent) || n >= this.maxAttempts) return res;
      const wait = this.delayMs(n, res.headers.get("retry-after"));
      this.logger?.warn({ what, attempt: n, status: res.status, waitMs: Math.round(wait) }, "graph answered a transient error, retrying");
      await res.body?.cancel().catch(() => undefined);
      await sleep(wait);
    }
  }
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, string>)) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

/**
 * SDK middleware placed between the SDK's RetryHandler and the HTTP handler: sets our
 * User-Agent, and retries what the RetryHandler leaves alone (see the module comment), so the
 * two never retry the same answer twice over.
 */
export class PacerMiddleware implements Middleware {
  private next?: Middleware;

  constructor(private readonly pacer: Pacer, private readonly userAgent: string) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const next = this.next;
    if (!next) throw new Error("PacerMiddleware needs a next middleware");
    const options = context.options ?? (context.options = {});
    const headers = (options.headers ?? {}) as Record<string, string>;
    headers["User-Agent"] = this.userAgent;
    options.headers = headers;
    const method = (options.method ?? "GET").toUpperCase();
    const idempotent = method === "GET" || method === "HEAD";
    const octet = (headerOf(options.headers, "content-type") ?? "").toLowerCase() === "application/octet-stream";
    const sdkRetries = (status: number): boolean => SDK_RETRIED_STATUSES.has(status) && !(octet && method !== "GET");
    const url = typeof context.request === "string" ? context.request : context.request.url;
    for (let n = 1; ; n++) {
      try {
        await next.execute(context);
      } catch (err) {
        const net = networkErrorCode(err);
        if (!net || !idempotent || n >= this.pacer.maxAttempts) throw err;
        await sleep(this.pacer.delayMs(n));
        continue;
      }
      const r = context.response;
      if (!r || sdkRetries(r.status) || !Pacer.retryableStatus(r.status, idempotent) || n >= this.pacer.maxAttempts) return;
      const wait = this.pacer.delayMs(n, r.headers.get("retry-after"));
      this.pacer.log(`${method} ${new URL(url).pathname}`, n, r.status, wait);
      await r.body?.cancel().catch(() => undefined);
      await sleep(wait);
    }
  }
}

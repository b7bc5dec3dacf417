/**
 * The one layer that retries Graph requests (rclone's `lib/pacer` habit: one place decides how long
 * to wait and when to give up). The SDK's own RetryHandler is NOT in the middleware chain, and the
 * engine does not retry what this pacer gave up on, so a request is sent at most `maxAttempts`
 * times in total (default 8). Retried, for SDK requests ({@link PacerMiddleware}) and
 * pre-authenticated URLs (downloads, upload fragments: {@link Pacer.run}) alike:
 * - 429 / 503 / 504 on any method: Graph did not process the request. The wait is `Retry-After`
 *   (seconds or an HTTP date) when given; a server asking for more than `maxRetryAfterMs`
 *   (default 120 s) is not waited for: the pacer gives up at once;
 * - 500 / 502 and connection failures (reset, refused, timeouts) on idempotent reads (GET / HEAD).
 * Waits without `Retry-After` follow the shared backoff (`sync/retry-policy.ts`: 500 ms, 1 s, 2 s…
 * ±25 %, capped at 30 s).
 *
 * Only replayable bodies (Buffers, strings, none) are ever retried — the adapter never hands a
 * stream to a request that may be replayed. When the pacer gives up, the last answer (or error)
 * goes to the caller, and {@link Pacer.settle} marks the RemoteError made of it `retryable: false`
 * (the calls run inside {@link Pacer.within}, which records what the pacer did). A failure the
 * pacer must not replay (a reset of a POST: Graph may have processed it) stays retryable for the
 * engine, which repeats the whole Remote operation.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, Middleware } from "@microsoft/microsoft-graph-client";
import type { Logger } from "pino";
import { RemoteError } from "../../sync/remote-errors.js";
import { backoffMs, retryAfterMs, sleep, type RetryPolicy } from "../../sync/retry-policy.js";
import { networkErrorCode } from "./graph-errors.js";

export interface PacerOptions {
  /** Attempts in total, first included (default 8). */
  maxAttempts?: number;
  /** First backoff step (default 500 ms); doubles per attempt. */
  baseDelayMs?: number;
  /** Cap on a backoff step (default 30 s). */
  maxDelayMs?: number;
  /** Longest `Retry-After` waited for (default 120 s); a longer one makes the pacer give up at once. */
  maxRetryAfterMs?: number;
  logger?: Logger;
}

/** What the pacer did for the requests made inside one {@link Pacer.within} call. */
export interface PacerTrace {
  /** Requests sent, retries included. */
  attempts: number;
  /** Why the pacer stopped retrying a failure it would otherwise retry; unset when it never gave up. */
  gaveUp?: string;
}

const traces = new AsyncLocalStorage<PacerTrace>();

const THROTTLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

export class Pacer {
  readonly maxAttempts: number;
  readonly policy: RetryPolicy;
  private readonly maxRetryAfterMs: number;
  private readonly logger?: Logger;

  constructor(o: PacerOptions = {}) {
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 8);
    this.policy = { attempts: this.maxAttempts, baseDelayMs: o.baseDelayMs ?? 500, maxDelayMs: o.maxDelayMs ?? 30_000 };
    this.maxRetryAfterMs = o.maxRetryAfterMs ?? 120_000;
    this.logger = o.logger;
  }

  /**
   * Should a response be retried? Throttling (429/503/504) always may be, since the server did
   * not process it; other transient 5xx only for idempotent methods.
   */
  static retryableStatus(status: number, idempotent: boolean): boolean {
    return THROTTLE_STATUSES.has(status) || (idempotent && TRANSIENT_STATUSES.has(status));
  }

  /** A body that can be sent again as it is (never a stream). */
  static replayable(body: unknown): boolean {
    return (
      body === undefined ||
      body === null ||
      typeof body === "string" ||
      body instanceof ArrayBuffer ||
      ArrayBuffer.isView(body) ||
      body instanceof Blob ||
      body instanceof URLSearchParams
    );
  }

  /**
   * Wait in ms before attempt `attempt + 1`: `Retry-After` when the server sent one, else backoff.
   * Undefined when the server asks for longer than `maxRetryAfterMs` (the pacer gives up).
   */
  waitMs(attempt: number, retryAfter?: string | null): number | undefined {
    const asked = retryAfterMs(retryAfter);
    if (asked === undefined) return backoffMs(this.policy, attempt);
    return asked <= this.maxRetryAfterMs ? asked : undefined;
  }

  /** Runs `fn` recording in `trace` what the pacer does for the requests `fn` makes. */
  within<T>(trace: PacerTrace, fn: () => Promise<T>): Promise<T> {
    return traces.run(trace, fn);
  }

  /**
   * The error to hand to the engine for a failure of a {@link within} call: when the pacer gave
   * up on one of its requests, the retries are spent and the engine must not start over.
   */
  static settle(err: RemoteError, trace: PacerTrace): RemoteError {
    if (!trace.gaveUp || !err.retryable) return err;
    return Pacer.exhausted(err, trace.gaveUp);
  }

  /** `err` marked not retryable, with why the retries stopped. */
  static exhausted(err: RemoteError, why: string): RemoteError {
    return new RemoteError(err.kind, `${err.message} (${why})`, { path: err.path, retryable: false, cause: err.cause });
  }

  private giveUp(trace: PacerTrace | undefined, why: string): void {
    if (trace) trace.gaveUp = why;
  }

  /**
   * Runs `attempt` until it returns a Response that is not retryable, or throws a non-network
   * error, or the attempts are spent (then the last Response is returned / the last error thrown).
   * Failed responses' bodies are discarded before the next attempt. `replayable: false` (a
   * streamed body) sends once.
   */
  async run(what: string, idempotent: boolean, attempt: () => Promise<Response>, replayable = true): Promise<Response> {
    const trace = traces.getStore();
    for (let n = 1; ; n++) {
      if (trace) trace.attempts++;
      let res: Response;
      try {
        res = await attempt();
      } catch (err) {
        const net = networkErrorCode(err);
        if (!net || !idempotent || !replayable) throw err;
        if (n >= this.maxAttempts) {
          this.giveUp(trace, `gave up after ${n} attempts`);
          throw err;
        }
        const wait = backoffMs(this.policy, n);
        this.logger?.warn({ what, attempt: n, error: net, waitMs: Math.round(wait) }, "graph request failed, retrying");
        await sleep(wait);
        continue;
      }
      if (!replayable || !Pacer.retryableStatus(res.status, idempotent)) return res;
      if (n >= this.maxAttempts) {
        this.giveUp(trace, `gave up after ${n} attempts`);
        return res;
      }
      const retryAfter = res.headers.get("retry-after");
      const wait = this.waitMs(n, retryAfter);
      if (wait === undefined) {
        this.giveUp(
          trace,
          `Graph asked ` +
            `to retry after ${retryAfter}, later than the ${Math.round(this.maxRetryAfterMs / 1000)} s the pacer waits`,
        );
        return res;
      }
      this.logger?.warn(
        { what, attempt: n, status: res.status, waitMs: Math.round(wait) },
        "graph answered a transient error, retrying",
      );
      await res.body?.cancel().catch(() => undefined);
      await sleep(wait);
    }
  }
}

/**
 * SDK middleware between authentication and the redirect/HTTP handlers: sets our User-Agent and
 * runs the request through the {@link Pacer} (the chain has no SDK RetryHandler: this is the only
 * retry of an SDK request).
 */
export class PacerMiddleware implements Middleware {
  private next?: Middleware;

  constructor(
    private readonly pacer: Pacer,
    private readonly userAgent: string,
  ) {}

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
    const url = typeof context.request === "string" ? context.request : context.request.url;
    await this.pacer.run(
      `${method} ${new URL(url).pathname}`,
      method === "GET" || method === "HEAD",
      async () => {
        await next.execute(context);
        if (!context.response) throw new Error("the Graph middleware chain produced no response");
        return context.response;
      },
      Pacer.replayable(options.body),
    );
  }
}

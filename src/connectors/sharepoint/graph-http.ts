/**
 * The Graph transport: Microsoft's `@microsoft/microsoft-graph-client` with our own middleware
 * chain (Authentication → our {@link PacerMiddleware} (User-Agent, every retry) → Redirect →
 * Telemetry → HTTP) — deliberately without the SDK's RetryHandler, so the pacer is the one layer
 * that retries a Graph request — plus plain `fetch` for pre-authenticated URLs (downloads, upload
 * fragments), which must NOT carry the bearer token and go through the same pacer.
 *
 * Every request — the SDK's, redirects it follows, pre-authenticated URLs and their redirects —
 * goes through the connector network policy's fetch (`network-policy-fetch.ts`), so a download
 * URL or nextLink that points at a refused address fails with RemoteError `destination_denied`
 * without a connection to it.
 *
 * Where Graph lives is configuration (`graphBaseUrl`, the ORIGIN: the SDK appends `/v1.0`). The
 * SDK only attaches the token to graph.microsoft.com and to `customHosts` (host names, https
 * only), so the configured host is added there. Every failure leaves this module as a
 * RemoteError (see graph-errors.ts), `retryable: false` when the pacer already gave up on it.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import {
  AuthenticationHandler,
  Client,
  RedirectHandler,
  RedirectHandlerOptions,
  ResponseType,
  TelemetryHandler,
  type Context,
  type Middleware,
} from "@microsoft/microsoft-graph-client";
import type { Logger } from "pino";
import type { NetworkPolicy } from "../network-policy.js";
import { policyFetch } from "../network-policy-fetch.js";
import { failureFromResponse, remoteErrorFromFailure, toRemoteError } from "./graph-errors.js";
import { Pacer, PacerMiddleware, type PacerOptions, type PacerTrace } from "./graph-pacer.js";
import type { GraphPage } from "./graph-types.js";

/** Supplies bearer tokens for Graph (MSAL behind it caches and refreshes them). */
export interface GraphTokenSource {
  /** @throws RemoteError `auth` when Entra refuses, `unreachable` when it cannot be reached. */
  getAccessToken(): Promise<string>;
}

export interface GraphHttpOptions {
  /** Origin of Graph, e.g. `https://graph.microsoft.com` (from SCAIDRIVE_GRAPH_BASE_URL). */
  graphBaseUrl: string;
  tokens: GraphTokenSource;
  /** Where requests may go (the server's connector network policy). */
  network: NetworkPolicy;
  logger?: Logger;
  /** The one retry layer of every Graph request (attempts, backoff, longest Retry-After). */
  pacer?: PacerOptions;
}

let cachedVersion: string | undefined;

/** ScaiDrive's package version, found by walking up from this file (works from src/ and dist/). */
export function packageVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "scaidrive" && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // not here; go up
    }
    dir = dirname(dir);
  }
  return (cachedVersion = "0.0.0");
}

/** The User-Agent Microsoft asks sync tools to send (ISV|Company|App/Version), so throttling treats us fairly. */
export function scaidriveUserAgent(): string {
  return `ISV|ScaiDrive|ScaiDrive/${packageVersion()}`;
}

/** Encodes a library-relative path for `root:/<path>:` addressing (each segment percent-encoded). */
export function encodeItemPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/**
 * The SDK's last middleware (its HTTPMessageHandler does the same with the global fetch): sends
 * the request through the given fetch. The SDK rebuilds a failure thrown here as a GraphError
 * keeping only its name and message, which is how graph-errors.ts still recognises a refused
 * destination.
 */
class FetchHandler implements Middleware {
  constructor(private readonly fetchFn: typeof fetch) {}

  async execute(context: Context): Promise<void> {
    context.response = await this.fetchFn(context.request, context.options);
  }
}

interface SendOptions {
  headers?: Record<string, string>;
  path?: string;
}

export class GraphHttp {
  readonly client: Client;
  readonly pacer: Pacer;
  readonly baseUrl: string;
  readonly userAgent = scaidriveUserAgent();
  private readonly logger?: Logger;
  private readonly fetch: typeof fetch;
  /** The SDK turns a token-provider failure into a bare GraphError(-1); this keeps the real one. */
  private tokenError: unknown;

  constructor(o: GraphHttpOptions) {
    const base = new URL(o.graphBaseUrl);
    if (base.protocol !== "https:")
      throw new Error(`graphBaseUrl must be https (the Graph SDK sends tokens over https only): ${o.graphBaseUrl}`);
    this.baseUrl = base.origin;
    this.logger = o.logger;
    this.fetch = policyFetch(o.network);
    this.pacer = new Pacer({ logger: o.logger, ...o.pacer });
    this.client = Client.initWithMiddleware({
      baseUrl: this.baseUrl,
      defaultVersion: "v1.0",
      customHosts: new Set([base.hostname]),
      middleware: [
        new AuthenticationHandler({
          getAccessToken: async () => {
            try {
              const token = await o.tokens.getAccessToken();
              this.tokenError = undefined;
              return token;
            } catch (err) {
              this.tokenError = err;
              throw err;
            }
          },
        }),
        new PacerMiddleware(this.pacer, this.userAgent),
        new RedirectHandler(new RedirectHandlerOptions()),
        new TelemetryHandler(),
        new FetchHandler(this.fetch),
      ],
    });
  }

  /**
   * Runs one SDK call and maps its failure. `what` names the operation for messages; `path` is
   * the relative path the error is about; `trace` records what the pacer did (see {@link Pacer.within}).
   */
  async call<T>(
    what: string,
    fn: (client: Client) => Promise<T>,
    path?: string,
    trace: PacerTrace = { attempts: 0 },
  ): Promise<T> {
    try {
      return await this.pacer.within(trace, () => fn(this.client));
    } catch (err) {
      const te = this.tokenError as { name?: string } | undefined;
      if (te && (err as { statusCode?: number }).statusCode === -1 && (err as { code?: string }).code === te.name)
        throw toRemoteError(te, what, path);
      throw Pacer.settle(toRemoteError(err, what, path), trace);
    }
  }

  get<T>(url: string, what: string, opts: { headers?: Record<string, string>; path?: string } = {}): Promise<T> {
    return this.call(
      what,
      (c) =>
        c
          .api(url)
          .headers(opts.headers ?? {})
          .get() as Promise<T>,
      opts.path,
    );
  }

  post<T>(url: string, body: unknown, what: string, opts: SendOptions = {}): Promise<T> {
    return this.send("post", url, body, what, opts.headers ?? {}, opts.path);
  }

  patch<T>(url: string, body: unknown, what: string, opts: SendOptions = {}): Promise<T> {
    return this.send("patch", url, body, what, opts.headers ?? {}, opts.path);
  }

  /** PUT of raw bytes (a Buffer: replayable, so the pacer may retry it after throttling). */
  putBytes<T>(url: string, body: Buffer, what: string, opts: SendOptions = {}): Promise<T> {
    return this.send(
      "put",
      url,
      body,
      what,
      { "Content-Type": "application/octet-stream", ...opts.headers },
      opts.path,
    );
  }

  private send<T>(
    method: "post" | "patch" | "put",
    url: string,
    body: unknown,
    what: string,
    headers: Record<string, string>,
    path?: string,
  ): Promise<T> {
    return this.call(what, (c) => c.api(url).headers(headers)[method](body) as Promise<T>, path);
  }

  delete(url: string, what: string, opts: { headers?: Record<string, string>; path?: string } = {}): Promise<void> {
    return this.call(
      what,
      async (c) => {
        await c
          .api(url)
          .headers(opts.headers ?? {})
          .delete();
      },
      opts.path,
    );
  }

  /**
   * GET of a Graph route whose body is wanted as a stream (a content route: 302 to a download URL,
   * followed). A non-2xx answer becomes a RemoteError, not retryable when the pacer gave up on it.
   */
  async getRaw(
    url: string,
    what: string,
    opts: { headers?: Record<string, string>; path?: string } = {},
  ): Promise<Response> {
    const trace: PacerTrace = { attempts: 0 };
    const res = await this.call(
      what,
      (c) =>
        c
          .api(url)
          .headers(opts.headers ?? {})
          .responseType(ResponseType.RAW)
          .get() as Promise<Response>,
      opts.path,
      trace,
    );
    if (res.ok) return res;
    const text = await res.text().catch(() => "");
    throw Pacer.settle(
      remoteErrorFromFailure(failureFromResponse(res.status, text, res.headers.get("retry-after")), what, opts.path),
      trace,
    );
  }

  /** Every page of a collection, following `@odata.nextLink`. */
  async *pages<T>(
    url: string,
    what: string,
    opts: { headers?: Record<string, string>; path?: string } = {},
  ): AsyncGenerator<GraphPage<T>> {
    let next: string | undefined = url;
    while (next) {
      const page: GraphPage<T> = await this.get<GraphPage<T>>(next, what, opts);
      yield page;
      next = page["@odata.nextLink"];
    }
  }

  /**
   * A request to a pre-authenticated URL (download URL, upload URL): plain fetch, no bearer
   * token, our User-Agent, paced. Non-2xx answers become RemoteErrors after the retries
   * (`okStatuses` lists answers that are not errors, e.g. 416 for a resumable upload probe);
   * what the pacer gave up on is not retryable.
   */
  async fetchPreauthenticated(
    url: string,
    init: RequestInit,
    what: string,
    opts: { idempotent: boolean; path?: string; okStatuses?: number[] },
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("User-Agent", this.userAgent);
    const trace: PacerTrace = { attempts: 0 };
    let res: Response;
    try {
      res = await this.pacer.within(trace, () =>
        this.pacer.run(
          what,
          opts.idempotent,
          () => this.fetch(url, { ...init, headers, redirect: "follow" }),
          Pacer.replayable(init.body),
        ),
      );
    } catch (err) {
      throw Pacer.settle(toRemoteError(err, what, opts.path), trace);
    }
    if (res.ok || opts.okStatuses?.includes(res.status)) return res;
    const text = await res.text().catch(() => "");
    throw Pacer.settle(
      remoteErrorFromFailure(failureFromResponse(res.status, text, res.headers.get("retry-after")), what, opts.path),
      trace,
    );
  }

  /** Turns a fetch body into a Node stream whose errors are RemoteErrors. */
  static nodeStream(body: ReadableStream<Uint8Array> | null, what: string, path?: string): Readable {
    if (!body) return Readable.from([]);
    const out = Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>);
    const wrapped = new Readable({ read() {} });
    out.on("data", (chunk: Buffer) => {
      if (!wrapped.push(chunk)) out.pause();
    });
    wrapped._read = () => {
      out.resume();
    };
    out.on("end", () => wrapped.push(null));
    out.on("error", (err) => wrapped.destroy(toRemoteError(err, what, path)));
    wrapped._destroy = (err, cb) => {
      out.destroy();
      cb(err);
    };
    return wrapped;
  }

  log(): Logger | undefined {
    return this.logger;
  }
}

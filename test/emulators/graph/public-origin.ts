import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyInstance, FastifyRequest } from "fastify";

/** Host header values the emulator takes as an origin: a DNS name or IPv4/[IPv6], optional port. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin absolute URLs are built from: download and upload URLs, `@odata.nextLink`,
 * `@odata.deltaLink`, `@odata.context`, Entra's issuer and endpoints. A configured origin wins;
 * otherwise each request's own `Host` (so a client that called `https://graph.microsoft.com`
 * is handed URLs on that host, as real Graph does); outside a request, the listening origin.
 * The per-request value travels in an AsyncLocalStorage entered in `onRequest`, so handlers
 * keep asking `env.baseUrl()` without a request argument.
 */
export class PublicOrigin {
  private readonly store = new AsyncLocalStorage<string>();
  /** `https://127.0.0.1:P`, set once the server listens. */
  listenOrigin = "";
  readonly configured: string | undefined;
  /** Lower-cased host names this emulator answers as (certificate SANs besides 127.0.0.1/localhost). */
  readonly hostnames: string[];

  constructor(opts: { publicOrigin?: string; hostnames?: string[] } = {}) {
    this.configured = opts.publicOrigin ? new URL(opts.publicOrigin).origin : undefined;
    this.hostnames = (opts.hostnames ?? []).map((h) => h.toLowerCase());
  }

  /** The origin for the current request (see the class comment), no trailing slash. */
  current(): string {
    return this.configured ?? this.store.getStore() ?? this.listenOrigin;
  }

  /**
   * Whether `origin` names this emulator: the listening origin, the configured one, or any port
   * on 127.0.0.1, localhost or one of the extra host names (a forwarder may change the port).
   */
  isOwn(origin: string): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== "https:") return false;
    if (url.origin === this.listenOrigin || url.origin === this.configured) return true;
    const host = url.hostname.toLowerCase();
    return host === "127.0.0.1" || host === "localhost" || this.hostnames.includes(host);
  }

  /** The origin for `req`: the configured one, else its `Host` (when well-formed), else the listening one. */
  of(req: FastifyRequest): string {
    if (this.configured) return this.configured;
    const host = req.headers.host;
    return host && HOST.test(host) ? `https://${host.toLowerCase()}` : this.listenOrigin;
  }

  /**
   * Enters each request's origin for what runs after `onRequest` and again before the handler
   * (body parsing may run on the socket's context, not the request's).
   */
  install(app: FastifyInstance): void {
    const enter = (req: FastifyRequest, _reply: unknown, done: () => void): void => this.store.run(this.of(req), done);
    app.addHook("onRequest", enter);
    app.addHook("preHandler", enter);
  }
}

/**
 * HTTP through the connector network policy: {@link policyFetch} is `fetch` whose every
 * connection — redirects included, since fetch dispatches each hop anew — goes to an address
 * the policy checked, and which rejects with the {@link DestinationDeniedError} itself when the
 * policy refuses one (not fetch's generic "fetch failed").
 *
 * How: a dispatcher in front of the process's own undici dispatcher (the one Node's fetch uses,
 * with whatever TLS trust and connection pools the process set up) resolves the request's host
 * through {@link NetworkPolicy.resolve} and dispatches to the checked IP address, keeping the
 * name as the Host header and TLS server name (SNI and certificate check). A connect failure on
 * one address moves on to the next (dual-stack names on hosts without IPv6), as Node's own
 * connect would.
 */
import { canonicalAddress } from "./network-cidr.js";
import { findDestinationDenied, type NetworkPolicy } from "./network-policy.js";

/**
 * The slice of undici's Dispatcher / DispatchHandler contract used here (Node bundles undici; its types are not a
 * dependency).
 */
interface DispatchOptions {
  origin?: string | URL;
  headers?: Record<string, string | string[] | undefined> | string[] | string[][] | null;
  servername?: string;
  [key: string]: unknown;
}
interface DispatchHandler {
  onConnect?(abort: (err?: Error) => void, context?: unknown): void;
  onError?(err: Error): void;
  [key: string]: unknown;
}
interface Dispatcher {
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
}

/** undici's documented cross-version key of the process-wide dispatcher (Node's fetch reads it too). */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/** Failures of the TCP/TLS connect itself: the request was not sent, another address may work. */
const CONNECT_FAILURES = new Set([
  "ECONNREFUSED",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function processDispatcher(): Dispatcher {
  const d = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER] as Dispatcher | undefined;
  if (!d) throw new Error("no undici global dispatcher is installed (Node's fetch installs one when it loads)");
  return d;
}

/** `headers` with the Host header replaced by `host`, in whichever shape undici was given them. */
function withHost(headers: DispatchOptions["headers"], host: string): DispatchOptions["headers"] {
  const isHost = (k: unknown) => String(k).toLowerCase() === "host";
  if (!headers) return { host };
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0]))
      return [...(headers as string[][]).filter(([k]) => !isHost(k)), ["host", host]];
    const flat = headers as string[];
    const out: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) if (!isHost(flat[i])) out.push(flat[i], flat[i + 1]);
    return [...out, "host", host];
  }
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(headers)) if (!isHost(k)) out[k] = v;
  out.host = host;
  return out;
}

/** Calls every handler method on the original handler, except the two the address fallback watches. */
function watchedHandler(
  handler: DispatchHandler,
  onConnect: () => void,
  onError: (err: Error) => void,
): DispatchHandler {
  return new Proxy(handler, {
    get(target, prop) {
      if (prop === "onConnect") {
        return (abort: (err?: Error) => void, context?: unknown) => {
          onConnect();
          return target.onConnect?.(abort, context);
        };
      }
      if (prop === "onError") return onError;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

class PolicyDispatcher implements Dispatcher {
  constructor(private readonly policy: NetworkPolicy) {}

  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean {
    void this.route(options, handler);
    return true;
  }

  private async route(options: DispatchOptions, handler: DispatchHandler): Promise<void> {
    let origin: URL;
    let addresses;
    try {
      origin = new URL(String(options.origin));
      addresses = await this.policy.resolve(origin.hostname);
    } catch (err) {
      handler.onError?.(err as Error);
      return;
    }
    const name = origin.hostname.startsWith("[") ? undefined : origin.hostname;
    const nameIsIp = name !== undefined && /^[\d.]+$/.test(name);
    const attempt = (i: number): void => {
      let connected = false;
      const target = new URL(origin.href);
      const address = addresses[i].address.split("%")[0];
      target.hostname = addresses[i].family === 6 ? `[${address}]` : address;
      // A URL refuses some spellings (zone ids) by keeping its old host: never let the name through.
      if (canonicalAddress(target.hostname)?.address !== canonicalAddress(address)?.address) {
        handler.onError?.(new Error(`cannot address ${addresses[i].address} (from ${origin.hostname}) in a URL`));
        return;
      }
      const watched = watchedHandler(
        handler,
        () => {
          connected = true;
        },
        (err) => {
          const code = (err as { code?: unknown }).code;
          if (!connected && i + 1 < addresses.length && typeof code === "string" && CONNECT_FAILURES.has(code))
            return attempt(i + 1);
          handler.onError?.(err);
        },
      );
      try {
        processDispatcher().dispatch(
          {
            ...options,
            origin: target.origin,
            headers: withHost(options.headers, origin.host),
            ...(name && !nameIsIp ? { servername: name } : {}),
          },
          watched,
        );
      } catch (err) {
        handler.onError?.(err as Error);
      }
    };
    attempt(0);
  }
}

const dispatchers = new WeakMap<NetworkPolicy, PolicyDispatcher>();

/** The dispatcher that routes through `policy` (one per policy, so connection pools are shared). */
export function policyDispatcher(policy: NetworkPolicy): unknown {
  let d = dispatchers.get(policy);
  if (!d) dispatchers.set(policy, (d = new PolicyDispatcher(policy)));
  return d;
}

/**
 * `fetch` through `policy` (see the module comment). A refused destination rejects with the
 * DestinationDeniedError; other failures as fetch reports them.
 */
export function policyFetch(policy: NetworkPolicy): typeof fetch {
  const dispatcher = policyDispatcher(policy);
  return async (input, init) => {
    try {
      return await fetch(input, { ...init, dispatcher } as RequestInit);
    } catch (err) {
      throw findDestinationDenied(err) ?? err;
    }
  };
}

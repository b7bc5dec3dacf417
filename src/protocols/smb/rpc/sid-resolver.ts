import { normalizeSid, isSid, type SidString } from "../security/sid-codec.js";
import { LsaClient, type ResolvedAccount } from "./lsa-client.js";
import type { RpcConnectionOptions } from "./rpc-connection.js";
import { RpcError } from "./rpc-errors.js";
import type { RpcPipe } from "./rpc-pipe.js";

const STATUS_INVALID_HANDLE = 0xc000_0008;

/**
 * SID ↔ name translation with a cache that lives as long as the SMB connection that owns it
 * (accounts rarely change; a new connection starts fresh). Unmapped entries are cached as null
 * too, so an orphaned SID in many ACLs costs one lookup. The LSA pipe is opened on first use and
 * kept; if it breaks (pipe dropped, reconnect, protocol error, stale handle) the lookup is
 * retried once on a fresh pipe. Concurrent lookups of the same key share one request.
 * Malformed SID strings map to null without a round trip; SID keys are normalised
 * ("s-1-5-…" → "S-1-5-…") but the returned Map is keyed by the strings as given.
 */
export class SidResolver {
  private client: Promise<LsaClient> | null = null;
  private readonly sidCache = new Map<SidString, Promise<ResolvedAccount | null>>();
  private readonly nameCache = new Map<string, Promise<ResolvedAccount | null>>();

  constructor(
    private readonly openPipe: () => Promise<RpcPipe>,
    private readonly opts: RpcConnectionOptions = {},
  ) {}

  async resolveSids(sids: SidString[]): Promise<Map<SidString, ResolvedAccount | null>> {
    const keyOf = (s: string) => (isSid(s) ? normalizeSid(s) : null);
    const missing = [...new Set(sids.map(keyOf).filter((k): k is string => k !== null && !this.sidCache.has(k)))];
    if (missing.length) this.fill(this.sidCache, missing, (c, keys) => c.lookupSids(keys));
    const out = new Map<SidString, ResolvedAccount | null>();
    for (const s of sids) {
      const k = keyOf(s);
      out.set(s, k === null ? null : await this.sidCache.get(k)!);
    }
    return out;
  }

  /** Names are matched case-insensitively, as LSA does. */
  async resolveNames(names: string[]): Promise<Map<string, ResolvedAccount | null>> {
    const keyOf = (n: string) => n.toLowerCase();
    const byKey = new Map<string, string>();
    for (const n of names)
      if (n !== "" && !this.nameCache.has(keyOf(n)) && !byKey.has(keyOf(n))) byKey.set(keyOf(n), n);
    if (byKey.size) {
      this.fill(this.nameCache, [...byKey.keys()], async (c) => {
        const res = await c.lookupNames([...byKey.values()]);
        return new Map([...res].map(([n, v]) => [keyOf(n), v]));
      });
    }
    const out = new Map<string, ResolvedAccount | null>();
    for (const n of names) out.set(n, n === "" ? null : await this.nameCache.get(keyOf(n))!);
    return out;
  }

  /** Closes the LSA pipe; the cache stays usable and a later lookup reopens the pipe. */
  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await (await c.catch(() => null))?.close();
  }

  /** Puts one shared promise per key into `cache`; failed keys are removed so a later call retries. */
  private fill(
    cache: Map<string, Promise<ResolvedAccount | null>>,
    keys: string[],
    lookup: (c: LsaClient, keys: string[]) => Promise<Map<string, ResolvedAccount | null>>,
  ): void {
    const batch = this.withRetry((c) => lookup(c, keys));
    for (const k of keys) {
      const p = batch.then((m) => m.get(k) ?? null);
      p.catch(() => cache.delete(k));
      cache.set(k, p);
    }
  }

  private async withRetry<T>(fn: (c: LsaClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const current = this.lsa();
      const client = await current;
      try {
        return await fn(client);
      } catch (err) {
        const stale =
          client.broken || (err instanceof RpcError && err.kind === "status" && err.status === STATUS_INVALID_HANDLE);
        if (stale && this.client === current) {
          this.client = null;
          void client.close();
        }
        if (!stale || attempt > 0) throw err;
      }
    }
  }

  private lsa(): Promise<LsaClient> {
    if (!this.client) {
      const p = this.openPipe().then((pipe) => LsaClient.open(pipe, this.opts));
      p.catch(() => {
        if (this.client === p) this.client = null;
      });
      this.client = p;
    }
    return this.client;
  }
}

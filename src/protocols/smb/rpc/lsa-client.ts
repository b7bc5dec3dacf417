import { appendRid, type SidString } from "../security/sid-codec.js";
import { decodeCloseResponse, encodeCloseRequest } from "./lsa-close.js";
import { decodeLookupNames2Response, encodeLookupNames2Request } from "./lsa-lookup-names.js";
import { decodeLookupSids2Response, encodeLookupSids2Request } from "./lsa-lookup-sids.js";
import {
  LsaOpnum,
  STATUS_NONE_MAPPED,
  STATUS_SOME_NOT_MAPPED,
  STATUS_SUCCESS,
  sidTypeOf,
  type PolicyHandle,
  type SidType,
} from "./lsa-ndr-types.js";
import { decodeOpenPolicy2Response, encodeOpenPolicy2Request } from "./lsa-open-policy.js";
import { RpcConnection, type RpcConnectionOptions } from "./rpc-connection.js";
import { RpcError } from "./rpc-errors.js";
import type { RpcPipe } from "./rpc-pipe.js";
import { LSARPC_SYNTAX } from "./rpc-syntax.js";

/** A translated account. `domain` is "" for names without one (e.g. Everyone). */
export interface ResolvedAccount {
  sid: SidString;
  domain: string;
  name: string;
  type: SidType;
}

/** "DOMAIN\\name", or just the name when the account has no domain (Everyone, CREATOR OWNER). */
export function formatAccount(a: Pick<ResolvedAccount, "domain" | "name">): string {
  return a.domain ? `${a.domain}\\${a.name}` : a.name;
}

/** Items per lookup call; MS-LSAT caps LookupNames2 at 1000 and we use the same for SIDs. */
const MAX_PER_CALL = 1000;

/**
 * LSARPC over one pipe: bind, LsarOpenPolicy2, lookups, LsarClose. Lookups return a Map with
 * an entry for every input: the account, or null when the server could not map it
 * (STATUS_SOME_NOT_MAPPED / STATUS_NONE_MAPPED, or SidTypeUnknown / SidTypeInvalid). Other
 * failing statuses throw RpcError "status"; faults, bind rejection and bad PDUs throw the
 * matching RpcError; pipe errors pass through. Callers own caching ({@link SidResolver}).
 */
export class LsaClient {
  private constructor(
    private readonly rpc: RpcConnection,
    private readonly pipe: RpcPipe,
    private handle: PolicyHandle | null,
  ) {}

  /** Binds LSARPC on `pipe` and opens the policy. Closes the pipe if either step fails. */
  static async open(pipe: RpcPipe, opts: RpcConnectionOptions & { desiredAccess?: number } = {}): Promise<LsaClient> {
    const rpc = new RpcConnection(pipe, opts);
    try {
      await rpc.bind(LSARPC_SYNTAX);
      const res = decodeOpenPolicy2Response(
        await rpc.call(LsaOpnum.OpenPolicy2, encodeOpenPolicy2Request({ desiredAccess: opts.desiredAccess })),
      );
      if (res.status !== STATUS_SUCCESS) throw statusError("LsarOpenPolicy2", res.status);
      return new LsaClient(rpc, pipe, res.handle);
    } catch (err) {
      await pipe.close().catch(() => undefined);
      throw err;
    }
  }

  /** True once a protocol or pipe error made the underlying connection unusable. */
  get broken(): boolean {
    return this.rpc.broken;
  }

  async lookupSids(sids: SidString[]): Promise<Map<SidString, ResolvedAccount | null>> {
    const out = new Map<SidString, ResolvedAccount | null>();
    for (const batch of this.batches(unique(sids), {
      request: (s) => 16 + 4 * (s.split("-").length - 3),
      response: 20 + 12 + 128,
      domainOf: (s) => s.slice(0, s.lastIndexOf("-")),
    })) {
      const res = decodeLookupSids2Response(
        await this.rpc.call(LsaOpnum.LookupSids2, encodeLookupSids2Request(this.policy(), batch)),
      );
      checkLookup("LsarLookupSids2", res.status, res.names.length, batch.length);
      batch.forEach((sid, i) => {
        const n = res.names[i];
        const type = mappedType(res.status, n?.use);
        if (!n || !type) return void out.set(sid, null);
        const domain = n.domainIndex >= 0 ? res.domains[n.domainIndex].name : "";
        out.set(sid, { sid, domain, name: n.name, type });
      });
    }
    return out;
  }

  /**
   * Names may be "DOMAIN\\name" or bare; keys of the result are the names as given. LookupNames2
   * returns no canonical spelling, so `name` is the given one without its domain part and
   * `domain` is the server's spelling of the domain.
   */
  async lookupNames(names: string[]): Promise<Map<string, ResolvedAccount | null>> {
    const out = new Map<string, ResolvedAccount | null>();
    for (const batch of this.batches(unique(names), {
      request: (n) => 24 + 2 * n.length,
      response: 16,
      domainOf: (n) => (n.includes("\\") ? n.slice(0, n.indexOf("\\")).toLowerCase() : n.toLowerCase()),
    })) {
      const res = decodeLookupNames2Response(
        await this.rpc.call(LsaOpnum.LookupNames2, encodeLookupNames2Request(this.policy(), batch)),
      );
      checkLookup("LsarLookupNames2", res.status, res.sids.length, batch.length);
      batch.forEach((given, i) => {
        const t = res.sids[i];
        const type = mappedType(res.status, t?.use);
        const dom = t && t.domainIndex >= 0 ? res.domains[t.domainIndex] : undefined;
        if (!t || !type || !dom?.sid) return void out.set(given, null);
        const sid = type === "domain" ? dom.sid : appendRid(dom.sid, t.relativeId);
        const bare = given.includes("\\") ? given.slice(given.indexOf("\\") + 1) : given;
        out.set(given, { sid, domain: dom.name, name: type === "domain" ? dom.name : bare, type });
      });
    }
    return out;
  }

  /** LsarClose, then closes the pipe. Never throws: the handle dies with the pipe anyway. */
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h && !this.rpc.broken) {
      await this.rpc
        .call(LsaOpnum.Close, encodeCloseRequest(h))
        .then(decodeCloseResponse)
        .catch(() => undefined);
    }
    await this.rpc.close().catch(() => undefined);
  }

  private policy(): PolicyHandle {
    if (!this.handle) throw new RpcError("protocol", "LSA policy handle is closed");
    return this.handle;
  }

  /**
   * Splits items into calls of at most 1000. When the pipe cannot send a multi-fragment
   * request, each request stub must fit one fragment (`cost.request` = wire bytes per item).
   * When it cannot read further response fragments, each response must fit one fragment too:
   * `cost.response` is a generous estimate per item (entry + a 64-character name) and every
   * distinct domain adds {@link RESPONSE_COST_PER_DOMAIN}. A response that still overflows
   * (very long names) fails with RpcError "protocol".
   */
  private batches<T>(
    items: T[],
    cost: { request: (item: T) => number; response: number; domainOf: (item: T) => string },
  ): T[][] {
    const caps = this.rpc.multiFragment;
    const requestRoom = caps.send ? Infinity : this.rpc.xmitFragSize - 24 - 64;
    const responseRoom = caps.receive ? Infinity : this.rpc.recvFragSize - 24 - 64;
    const out: T[][] = [];
    let cur: T[] = [];
    let req = 0;
    let res = 0;
    let domains = new Set<string>();
    for (const item of items) {
      const c = cost.request(item);
      const d = cost.domainOf(item);
      const r = cost.response + (domains.has(d) ? 0 : RESPONSE_COST_PER_DOMAIN);
      if (cur.length && (cur.length >= MAX_PER_CALL || req + c > requestRoom || res + r > responseRoom)) {
        out.push(cur);
        cur = [];
        req = 0;
        res = 0;
        domains = new Set();
      }
      cur.push(item);
      req += c;
      res += cost.response + (domains.has(d) ? 0 : RESPONSE_COST_PER_DOMAIN);
      domains.add(d);
    }
    if (cur.length) out.push(cur);
    return out;
  }
}

/** A referenced domain entry: trust info, name buffer (~32 characters) and a 4-sub-authority SID. */
const RESPONSE_COST_PER_DOMAIN = 12 + 12 + 64 + 4 + 8 + 16;

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Fails on a status other than (partial) success, or an answer of the wrong length. */
function checkLookup(op: string, status: number, got: number, want: number): void {
  if (status !== STATUS_SUCCESS && status !== STATUS_SOME_NOT_MAPPED && status !== STATUS_NONE_MAPPED) {
    throw statusError(op, status);
  }
  if (status !== STATUS_NONE_MAPPED && got !== want)
    throw new RpcError("protocol", `${op} answered ${got} entries for ${want}`);
}

/** The account type, or null when the entry is unmapped (NONE_MAPPED, SidTypeUnknown / SidTypeInvalid). */
function mappedType(status: number, use: number | undefined): SidType | null {
  if (status === STATUS_NONE_MAPPED || use === undefined) return null;
  const type = sidTypeOf(use);
  return type === "unknown" || type === "invalid" ? null : type;
}

function statusError(op: string, status: number): RpcError {
  const err = new RpcError("status", "", status);
  err.message = `${op} failed: ${err.statusName}`;
  return err;
}

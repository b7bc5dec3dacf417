import { decodeBindAck, encodeBind } from "./rpc-bind-pdu.js";
import { decodeResponseFragment, encodeRequestFragments, splitPdus } from "./rpc-call-pdu.js";
import { RpcError } from "./rpc-errors.js";
import type { RpcPipe } from "./rpc-pipe.js";
import { NDR_SYNTAX, type SyntaxId } from "./rpc-syntax.js";

/** Windows and Samba use 4280 on ncacn_np; C706 requires at least 1432. */
export const DEFAULT_MAX_FRAG = 4280;
const MIN_FRAG = 1432;
/** No LSA answer we ask for comes near this; a peer streaming more is misbehaving. */
const MAX_RESPONSE_STUB = 16 * 1024 * 1024;

export interface RpcConnectionOptions {
  /** Our max_xmit_frag / max_recv_frag proposal (default 4280, at least 1432). */
  maxFrag?: number;
}

/**
 * A bound connection-oriented DCE/RPC association on one pipe (C706 chapter 12, MS-RPCE 3.3).
 * One call at a time: calls are queued, since a named pipe carries one request/response
 * exchange at a time. Errors: {@link RpcError} for bind rejection, faults and malformed PDUs;
 * pipe errors pass through. After a "protocol" error or a pipe error the connection is unusable
 * (`broken` is true) and should be closed and replaced.
 */
export class RpcConnection {
  private callId = 1;
  private contextId = 0;
  private maxXmitFrag: number;
  private maxRecvFrag: number;
  private queue: Promise<unknown> = Promise.resolve();
  private bound = false;
  broken = false;

  constructor(
    private readonly pipe: RpcPipe,
    opts: RpcConnectionOptions = {},
  ) {
    const frag = opts.maxFrag ?? DEFAULT_MAX_FRAG;
    if (!Number.isInteger(frag) || frag < MIN_FRAG || frag > 0xffff) {
      throw new RangeError(`maxFrag must be an integer in [${MIN_FRAG}, 65535]`);
    }
    this.maxXmitFrag = frag;
    this.maxRecvFrag = frag;
  }

  /** Negotiated fragment size for requests (the server's max_recv_frag, capped by ours). */
  get xmitFragSize(): number {
    return this.maxXmitFrag;
  }

  /** Largest response fragment the server will send (its max_xmit_frag, capped by ours). */
  get recvFragSize(): number {
    return this.maxRecvFrag;
  }

  /** True when the pipe can carry multi-fragment requests and responses. */
  get multiFragment(): { send: boolean; receive: boolean } {
    return { send: typeof this.pipe.write === "function", receive: typeof this.pipe.read === "function" };
  }

  /** BIND to `abstractSyntax` with NDR 2.0; throws RpcError "bind_rejected" if refused. */
  bind(abstractSyntax: SyntaxId): Promise<void> {
    return this.enqueue(async () => {
      const pdu = encodeBind({
        callId: this.callId++,
        maxXmitFrag: this.maxXmitFrag,
        maxRecvFrag: this.maxRecvFrag,
        assocGroupId: 0,
        contextId: this.contextId,
        abstractSyntax,
        transferSyntax: NDR_SYNTAX,
      });
      const ack = decodeBindAck(await this.pipe.transceive(pdu));
      const r = ack.results[0];
      if (!r) throw new RpcError("protocol", "BIND_ACK carries no context result");
      if (r.result !== 0) {
        throw new RpcError(
          "bind_rejected",
          `presentation context rejected (result ${r.result}, reason ${r.reason})`,
          r.reason,
        );
      }
      if (ack.maxRecvFrag < MIN_FRAG)
        throw new RpcError("protocol", `server max_recv_frag ${ack.maxRecvFrag} below ${MIN_FRAG}`);
      this.maxXmitFrag = Math.min(this.maxXmitFrag, ack.maxRecvFrag);
      this.maxRecvFrag = Math.min(this.maxRecvFrag, Math.max(ack.maxXmitFrag, MIN_FRAG));
      this.bound = true;
    });
  }

  /**
   * Sends `stub` as operation `opnum` and returns the reassembled response stub. Requests
   * larger than one fragment go out as several REQUEST PDUs; RESPONSE fragments are collected
   * until PFC_LAST_FRAG, each checked for our call id and context id.
   */
  call(opnum: number, stub: Buffer): Promise<Buffer> {
    return this.enqueue(async () => {
      if (!this.bound) throw new RpcError("protocol", "call before bind");
      const callId = this.callId++;
      const frags = encodeRequestFragments({
        callId,
        contextId: this.contextId,
        opnum,
        stub,
        maxXmitFrag: this.maxXmitFrag,
      });
      for (const frag of frags.slice(0, -1)) {
        if (!this.pipe.write)
          throw new RpcError("protocol", "request needs several fragments but the pipe cannot write");
        await this.pipe.write(frag);
      }
      let data = await this.pipe.transceive(frags[frags.length - 1]);
      const stubs: Buffer[] = [];
      let total = 0;
      for (;;) {
        const { pdus, rest } = splitPdus(data);
        for (let i = 0; i < pdus.length; i++) {
          const f = decodeResponseFragment(pdus[i]);
          if (f.callId !== callId) throw new RpcError("protocol", `response for call ${f.callId}, expected ${callId}`);
          if (f.contextId !== this.contextId) throw new RpcError("protocol", `response for context ${f.contextId}`);
          if (stubs.length === 0 && !f.first)
            throw new RpcError("protocol", "first response fragment lacks PFC_FIRST_FRAG");
          total += f.stub.length;
          if (total > MAX_RESPONSE_STUB) throw new RpcError("protocol", `response exceeds ${MAX_RESPONSE_STUB} bytes`);
          stubs.push(f.stub);
          if (f.last) {
            if (i !== pdus.length - 1 || rest.length)
              throw new RpcError("protocol", "bytes after the last response fragment");
            return Buffer.concat(stubs);
          }
        }
        if (!this.pipe.read) throw new RpcError("protocol", "response has more fragments but the pipe cannot read");
        data = Buffer.concat([rest, await this.pipe.read()]);
      }
    });
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      if (this.broken) throw new RpcError("protocol", "RPC connection is broken");
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof RpcError) || err.kind === "protocol") this.broken = true;
        throw err;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    this.broken = true;
    await this.pipe.close();
  }
}

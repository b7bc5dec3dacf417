import { RpcError } from "./rpc-errors.js";
import { PDU_HEADER_SIZE, PduType, PfcFlag, decodePduHeader, encodePduHeader } from "./rpc-pdu-header.js";

/** REQUEST header: common header + alloc_hint, p_cont_id, opnum (C706 12.6.4.9). */
export const REQUEST_HEADER_SIZE = PDU_HEADER_SIZE + 8;
/** RESPONSE header: common header + alloc_hint, p_cont_id, cancel_count, reserved (C706 12.6.4.10). */
export const RESPONSE_HEADER_SIZE = PDU_HEADER_SIZE + 8;

/**
 * Splits a call's stub into REQUEST fragments no longer than `maxXmitFrag` (C706 12.6.4.9,
 * MS-RPCE 3.3.1.5.2.1). Fragment stub sizes are kept multiples of 8 so each fragment boundary
 * preserves NDR alignment; alloc_hint is the stub bytes remaining from that fragment on.
 * An empty stub still yields one fragment.
 */
export function encodeRequestFragments(opts: {
  callId: number;
  contextId: number;
  opnum: number;
  stub: Buffer;
  maxXmitFrag: number;
}): Buffer[] {
  const room = Math.floor((opts.maxXmitFrag - REQUEST_HEADER_SIZE) / 8) * 8;
  if (room <= 0) throw new RpcError("protocol", `max_xmit_frag ${opts.maxXmitFrag} leaves no room for stub data`);
  const frags: Buffer[] = [];
  let pos = 0;
  do {
    const chunk = opts.stub.subarray(pos, pos + room);
    const first = pos === 0;
    const last = pos + chunk.length >= opts.stub.length;
    const head = encodePduHeader({
      type: PduType.REQUEST,
      flags: (first ? PfcFlag.FIRST_FRAG : 0) | (last ? PfcFlag.LAST_FRAG : 0),
      fragLength: REQUEST_HEADER_SIZE + chunk.length,
      authLength: 0,
      callId: opts.callId,
    });
    const extra = Buffer.alloc(8);
    extra.writeUInt32LE(opts.stub.length - pos, 0);
    extra.writeUInt16LE(opts.contextId, 4);
    extra.writeUInt16LE(opts.opnum, 6);
    frags.push(Buffer.concat([head, extra, chunk]));
    pos += chunk.length;
  } while (pos < opts.stub.length);
  return frags;
}

/** One decoded RESPONSE fragment. */
export interface ResponseFragment {
  callId: number;
  first: boolean;
  last: boolean;
  allocHint: number;
  contextId: number;
  stub: Buffer;
}

/**
 * Decodes one RESPONSE or FAULT PDU of exactly `pdu.length` bytes. A FAULT throws
 * {@link RpcError} "fault" carrying its status (C706 12.6.4.7); any other type, an auth
 * trailer (we never bind with authentication) or a frag_length that disagrees with the
 * buffer throws "protocol".
 */
export function decodeResponseFragment(pdu: Buffer): ResponseFragment {
  const h = decodePduHeader(pdu);
  if (h.fragLength !== pdu.length) {
    throw new RpcError("protocol", `frag_length ${h.fragLength} does not match ${pdu.length} bytes received`);
  }
  if (h.type === PduType.FAULT) {
    const status = pdu.length >= 28 ? pdu.readUInt32LE(24) : 0;
    const err = new RpcError("fault", "", status);
    err.message = `RPC fault ${err.statusName}`;
    throw err;
  }
  if (h.type !== PduType.RESPONSE) throw new RpcError("protocol", `expected RESPONSE, got PDU type ${h.type}`);
  if (h.authLength !== 0) throw new RpcError("protocol", "unexpected auth trailer on an unauthenticated binding");
  if (pdu.length < RESPONSE_HEADER_SIZE) throw new RpcError("protocol", "RESPONSE header truncated");
  return {
    callId: h.callId,
    first: (h.flags & PfcFlag.FIRST_FRAG) !== 0,
    last: (h.flags & PfcFlag.LAST_FRAG) !== 0,
    allocHint: pdu.readUInt32LE(16),
    contextId: pdu.readUInt16LE(20),
    stub: pdu.subarray(RESPONSE_HEADER_SIZE),
  };
}

/** Encodes a RESPONSE fragment; used by tests to build server replies. */
export function encodeResponseFragment(f: Omit<ResponseFragment, "first" | "last"> & { flags: number }): Buffer {
  const head = encodePduHeader({
    type: PduType.RESPONSE,
    flags: f.flags,
    fragLength: RESPONSE_HEADER_SIZE + f.stub.length,
    authLength: 0,
    callId: f.callId,
  });
  const extra = Buffer.alloc(8);
  extra.writeUInt32LE(f.allocHint, 0);
  extra.writeUInt16LE(f.contextId, 4);
  return Buffer.concat([head, extra, f.stub]);
}

/**
 * Splits a byte stream into whole PDUs by their frag_length. Returns the complete PDUs and the
 * leftover bytes of an incomplete one (a pipe read may end mid-PDU).
 */
export function splitPdus(data: Buffer): { pdus: Buffer[]; rest: Buffer } {
  const pdus: Buffer[] = [];
  let off = 0;
  while (data.length - off >= PDU_HEADER_SIZE) {
    const h = decodePduHeader(data, off);
    if (data.length - off < h.fragLength) break;
    pdus.push(data.subarray(off, off + h.fragLength));
    off += h.fragLength;
  }
  return { pdus, rest: data.subarray(off) };
}

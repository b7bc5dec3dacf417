import { BIND_REJECT_REASONS, RpcError } from "./rpc-errors.js";
import { PDU_HEADER_SIZE, PduType, PfcFlag, decodePduHeader, encodePduHeader } from "./rpc-pdu-header.js";
import { decodeSyntax, encodeSyntax, type SyntaxId } from "./rpc-syntax.js";

export interface BindRequest {
  callId: number;
  maxXmitFrag: number;
  maxRecvFrag: number;
  assocGroupId: number;
  contextId: number;
  abstractSyntax: SyntaxId;
  transferSyntax: SyntaxId;
}

/** BIND PDU with one presentation context and one transfer syntax (C706 12.6.4.3, MS-RPCE 2.2.2.13). */
export function encodeBind(req: BindRequest): Buffer {
  const body = Buffer.alloc(8 + 4 + 4 + 20 + 20);
  body.writeUInt16LE(req.maxXmitFrag, 0);
  body.writeUInt16LE(req.maxRecvFrag, 2);
  body.writeUInt32LE(req.assocGroupId >>> 0, 4);
  body[8] = 1; // n_context_elem
  body.writeUInt16LE(req.contextId, 12);
  body[14] = 1; // n_transfer_syn
  encodeSyntax(req.abstractSyntax).copy(body, 16);
  encodeSyntax(req.transferSyntax).copy(body, 36);
  const head = encodePduHeader({
    type: PduType.BIND,
    flags: PfcFlag.FIRST_FRAG | PfcFlag.LAST_FRAG,
    fragLength: PDU_HEADER_SIZE + body.length,
    authLength: 0,
    callId: req.callId,
  });
  return Buffer.concat([head, body]);
}

export interface BindResult {
  /** 0 acceptance, 1 user_rejection, 2 provider_rejection, 3 negotiate_ack (MS-RPCE 2.2.2.4). */
  result: number;
  reason: number;
  transferSyntax: SyntaxId;
}

export interface BindAck {
  callId: number;
  maxXmitFrag: number;
  maxRecvFrag: number;
  assocGroupId: number;
  secondaryAddress: string;
  results: BindResult[];
}

/**
 * Decodes a BIND_ACK (C706 12.6.4.4), or throws {@link RpcError}: "bind_rejected" for a
 * BIND_NAK (status = provider_reject_reason), "protocol" for anything else or truncation.
 */
export function decodeBindAck(pdu: Buffer): BindAck {
  const h = decodePduHeader(pdu);
  if (pdu.length < h.fragLength) throw new RpcError("protocol", "bind response truncated");
  if (h.type === PduType.BIND_NAK) {
    const reason = h.fragLength >= 18 ? pdu.readUInt16LE(16) : 0;
    throw new RpcError("bind_rejected", `bind rejected: ${BIND_REJECT_REASONS[reason] ?? reason}`, reason);
  }
  if (h.type !== PduType.BIND_ACK) throw new RpcError("protocol", `expected BIND_ACK, got PDU type ${h.type}`);
  const p = pdu.subarray(0, h.fragLength);
  const at = (off: number, n: number) => {
    if (off + n > p.length) throw new RpcError("protocol", `BIND_ACK truncated at ${off}`);
  };
  at(16, 10);
  const secLen = p.readUInt16LE(24);
  at(26, secLen);
  const secondaryAddress = p
    .subarray(26, 26 + secLen)
    .toString("latin1")
    .replace(/\0+$/, "");
  let off = 26 + secLen;
  off += (4 - (off % 4)) % 4;
  at(off, 4);
  const n = p[off];
  off += 4;
  at(off, n * 24);
  const results: BindResult[] = [];
  for (let i = 0; i < n; i++, off += 24) {
    results.push({
      result: p.readUInt16LE(off),
      reason: p.readUInt16LE(off + 2),
      transferSyntax: decodeSyntax(p, off + 4),
    });
  }
  return {
    callId: h.callId,
    maxXmitFrag: p.readUInt16LE(16),
    maxRecvFrag: p.readUInt16LE(18),
    assocGroupId: p.readUInt32LE(20),
    secondaryAddress,
    results,
  };
}

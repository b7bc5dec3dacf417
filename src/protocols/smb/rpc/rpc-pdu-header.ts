import { RpcError } from "./rpc-errors.js";

/** Connection-oriented PDU types, C706 12.6.4 / MS-RPCE 2.2.2. */
export const PduType = {
  REQUEST: 0,
  RESPONSE: 2,
  FAULT: 3,
  BIND: 11,
  BIND_ACK: 12,
  BIND_NAK: 13,
  ALTER_CONTEXT: 14,
  ALTER_CONTEXT_RESP: 15,
  SHUTDOWN: 17,
  CO_CANCEL: 18,
  ORPHANED: 19,
} as const;

/** pfc_flags, C706 12.6.3.1. */
export const PfcFlag = {
  FIRST_FRAG: 0x01,
  LAST_FRAG: 0x02,
  PENDING_CANCEL: 0x04,
  CONC_MPX: 0x10,
  DID_NOT_EXECUTE: 0x20,
  MAYBE: 0x40,
  OBJECT_UUID: 0x80,
} as const;

export const PDU_HEADER_SIZE = 16;
/** packed_drep: little-endian integers, ASCII characters, IEEE floats. */
const DREP_LE = 0x10;

export interface PduHeader {
  type: number;
  flags: number;
  fragLength: number;
  authLength: number;
  callId: number;
}

/** The 16-byte common header (C706 12.6.3.1); `fragLength` must be the whole PDU's length. */
export function encodePduHeader(h: PduHeader): Buffer {
  const b = Buffer.alloc(PDU_HEADER_SIZE);
  b[0] = 5;
  b[1] = 0;
  b[2] = h.type;
  b[3] = h.flags;
  b[4] = DREP_LE;
  b.writeUInt16LE(h.fragLength, 8);
  b.writeUInt16LE(h.authLength, 10);
  b.writeUInt32LE(h.callId >>> 0, 12);
  return b;
}

/**
 * Decodes the common header at `offset`. Throws {@link RpcError} "protocol" for a version other
 * than 5.0, big-endian data representation (never negotiated by us), a frag_length below 16, or
 * fewer than 16 bytes. Does not require the whole fragment to be present.
 */
export function decodePduHeader(b: Buffer, offset = 0): PduHeader {
  if (b.length - offset < PDU_HEADER_SIZE)
    throw new RpcError("protocol", `PDU header truncated (${b.length - offset} bytes)`);
  if (b[offset] !== 5 || b[offset + 1] !== 0) {
    throw new RpcError("protocol", `RPC version ${b[offset]}.${b[offset + 1]} is not 5.0`);
  }
  if ((b[offset + 4] & 0xf0) !== DREP_LE) throw new RpcError("protocol", "PDU is not little-endian NDR");
  const fragLength = b.readUInt16LE(offset + 8);
  if (fragLength < PDU_HEADER_SIZE) throw new RpcError("protocol", `frag_length ${fragLength} below header size`);
  return {
    type: b[offset + 2],
    flags: b[offset + 3],
    fragLength,
    authLength: b.readUInt16LE(offset + 10),
    callId: b.readUInt32LE(offset + 12),
  };
}

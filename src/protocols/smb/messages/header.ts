/**
 * SMB2 packet header, MS-SMB2 2.2.1 (SYNC 2.2.1.2 and ASYNC 2.2.1.1 forms), 64 bytes.
 */
import { WireReader } from "./wire-reader.js";
import { SmbError } from "../errors.js";

export const HEADER_SIZE = 64;
export const PROTOCOL_ID = 0x424d53fe; // 0xFE 'S' 'M' 'B'
export const TRANSFORM_PROTOCOL_ID = 0x424d53fd; // 0xFD 'S' 'M' 'B'

export const Command = {
  NEGOTIATE: 0x0000,
  SESSION_SETUP: 0x0001,
  LOGOFF: 0x0002,
  TREE_CONNECT: 0x0003,
  TREE_DISCONNECT: 0x0004,
  CREATE: 0x0005,
  CLOSE: 0x0006,
  FLUSH: 0x0007,
  READ: 0x0008,
  WRITE: 0x0009,
  LOCK: 0x000a,
  IOCTL: 0x000b,
  CANCEL: 0x000c,
  ECHO: 0x000d,
  QUERY_DIRECTORY: 0x000e,
  CHANGE_NOTIFY: 0x000f,
  QUERY_INFO: 0x0010,
  SET_INFO: 0x0011,
  OPLOCK_BREAK: 0x0012,
} as const;

export const HeaderFlags = {
  SERVER_TO_REDIR: 0x00000001,
  ASYNC_COMMAND: 0x00000002,
  RELATED_OPERATIONS: 0x00000004,
  SIGNED: 0x00000008,
  PRIORITY_MASK: 0x00000070,
  DFS_OPERATIONS: 0x10000000,
  REPLAY_OPERATION: 0x20000000,
} as const;

export interface Smb2Header {
  creditCharge: number;
  /** NTSTATUS in responses; ChannelSequence/Reserved in requests (always 0 here). */
  status: number;
  command: number;
  /** CreditRequest in requests, CreditResponse in responses. */
  credits: number;
  flags: number;
  nextCommand: number;
  messageId: bigint;
  /** Only meaningful when ASYNC_COMMAND is set. */
  asyncId: bigint;
  treeId: number;
  sessionId: bigint;
  signature: Buffer;
}

/** Writes the header into the first 64 bytes of `out` (signature zeroed). */
export function encodeHeader(
  h: Omit<Smb2Header, "signature" | "status" | "nextCommand"> & { nextCommand?: number },
  out: Buffer,
): void {
  out.writeUInt32LE(PROTOCOL_ID, 0);
  out.writeUInt16LE(HEADER_SIZE, 4);
  out.writeUInt16LE(h.creditCharge, 6);
  out.writeUInt32LE(0, 8);
  out.writeUInt16LE(h.command, 12);
  out.writeUInt16LE(h.credits, 14);
  out.writeUInt32LE(h.flags >>> 0, 16);
  out.writeUInt32LE(h.nextCommand ?? 0, 20);
  out.writeBigUInt64LE(h.messageId, 24);
  if (h.flags & HeaderFlags.ASYNC_COMMAND) {
    out.writeBigUInt64LE(h.asyncId, 32);
  } else {
    out.writeUInt32LE(0, 32); // Reserved (ProcessId)
    out.writeUInt32LE(h.treeId, 36);
  }
  out.writeBigUInt64LE(h.sessionId, 40);
  out.fill(0, 48, 64);
}

export function decodeHeader(msg: Buffer): Smb2Header {
  const r = new WireReader(msg, "SMB2 header");
  if (r.u32(0) !== PROTOCOL_ID) throw SmbError.protocol("not an SMB2 message");
  if (r.u16(4) !== HEADER_SIZE) throw SmbError.protocol("bad SMB2 header StructureSize");
  const flags = r.u32(16);
  const async = (flags & HeaderFlags.ASYNC_COMMAND) !== 0;
  return {
    creditCharge: r.u16(6),
    status: r.u32(8),
    command: r.u16(12),
    credits: r.u16(14),
    flags,
    nextCommand: r.u32(20),
    messageId: r.u64(24),
    asyncId: async ? r.u64(32) : 0n,
    treeId: async ? 0 : r.u32(36),
    sessionId: r.u64(40),
    signature: r.bytes(48, 16),
  };
}

/**
 * MS-SMB2 2.2.2 ERROR response: the body of any failed response. Only its shape is checked; the
 * client reports the status of the header.
 */
export function decodeErrorBody(body: Buffer): { errorData: Buffer } {
  const r = new WireReader(body, "ERROR response");
  const byteCount = body.length >= 8 ? r.u32(4) : 0;
  return { errorData: byteCount ? r.bytes(8, Math.min(byteCount, body.length - 8)) : Buffer.alloc(0) };
}

/**
 * CHANGE_NOTIFY request (MS-SMB2 2.2.35) / response (2.2.36) with FILE_NOTIFY_INFORMATION
 * (MS-FSCC 2.4.42); IOCTL request (2.2.31) / response (2.2.32); CANCEL (2.2.30); ECHO (2.2.28).
 */
import { HEADER_SIZE } from "./header.js";
import { WireReader } from "./wire-reader.js";
import { SmbError } from "../errors.js";
import { type FileId, writeFileId } from "./create.js";

export const CompletionFilter = {
  FILE_NAME: 0x001,
  DIR_NAME: 0x002,
  ATTRIBUTES: 0x004,
  SIZE: 0x008,
  LAST_WRITE: 0x010,
  LAST_ACCESS: 0x020,
  CREATION: 0x040,
  EA: 0x080,
  SECURITY: 0x100,
  STREAM_NAME: 0x200,
  STREAM_SIZE: 0x400,
  STREAM_WRITE: 0x800,
} as const;

export const NotifyAction = { ADDED: 1, REMOVED: 2, MODIFIED: 3, RENAMED_OLD_NAME: 4, RENAMED_NEW_NAME: 5 } as const;

export function encodeChangeNotifyRequest(
  fileId: FileId,
  recursive: boolean,
  outputBufferLength: number,
  filter: number,
): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt16LE(32, 0);
  b.writeUInt16LE(recursive ? 1 : 0, 2);
  b.writeUInt32LE(outputBufferLength, 4);
  writeFileId(b, 8, fileId);
  b.writeUInt32LE(filter, 24);
  return b;
}

export function decodeFileNotifyInformation(buf: Buffer): { action: number; name: string }[] {
  if (buf.length === 0) return [];
  const r = new WireReader(buf, "FILE_NOTIFY_INFORMATION");
  const out: { action: number; name: string }[] = [];
  let off = 0;
  for (;;) {
    const next = r.u32(off);
    const action = r.u32(off + 4);
    const len = r.u32(off + 8);
    out.push({ action, name: r.utf16(off + 12, len) });
    if (next === 0) break;
    off += next;
  }
  return out;
}

export const FSCTL_PIPE_TRANSCEIVE = 0x0011c017;
export const FSCTL_VALIDATE_NEGOTIATE_INFO = 0x00140204;
/** FileId of an IOCTL that targets no file (MS-SMB2 2.2.31). */
export const NO_FILE_ID = { persistent: 0xffffffffffffffffn, volatile: 0xffffffffffffffffn } as const;

/** VALIDATE_NEGOTIATE_INFO request (MS-SMB2 2.2.31.4). */
export function encodeValidateNegotiateInfo(
  capabilities: number,
  guid: Buffer,
  securityMode: number,
  dialects: readonly number[],
): Buffer {
  const b = Buffer.alloc(24 + dialects.length * 2);
  b.writeUInt32LE(capabilities, 0);
  guid.copy(b, 4, 0, 16);
  b.writeUInt16LE(securityMode, 20);
  b.writeUInt16LE(dialects.length, 22);
  dialects.forEach((d, i) => b.writeUInt16LE(d, 24 + i * 2));
  return b;
}

/** VALIDATE_NEGOTIATE_INFO response (MS-SMB2 2.2.32.6). */
export function decodeValidateNegotiateInfo(out: Buffer): {
  capabilities: number;
  guid: Buffer;
  securityMode: number;
  dialect: number;
} {
  const r = new WireReader(out, "VALIDATE_NEGOTIATE_INFO response");
  return { capabilities: r.u32(0), guid: r.bytes(4, 16), securityMode: r.u16(20), dialect: r.u16(22) };
}
export const IOCTL_IS_FSCTL = 0x00000001;

export function encodeIoctlRequest(fileId: FileId, ctlCode: number, input: Buffer, maxOutputResponse: number): Buffer {
  const fixed = Buffer.alloc(56);
  fixed.writeUInt16LE(57, 0);
  fixed.writeUInt32LE(ctlCode, 4);
  writeFileId(fixed, 8, fileId);
  fixed.writeUInt32LE(input.length ? HEADER_SIZE + 56 : 0, 24);
  fixed.writeUInt32LE(input.length, 28);
  fixed.writeUInt32LE(0, 32); // MaxInputResponse
  fixed.writeUInt32LE(0, 36); // OutputOffset
  fixed.writeUInt32LE(0, 40); // OutputCount
  fixed.writeUInt32LE(maxOutputResponse, 44);
  fixed.writeUInt32LE(IOCTL_IS_FSCTL, 48);
  return Buffer.concat([fixed, input.length ? input : Buffer.alloc(0)]);
}

/** Output bytes of an IOCTL response (also valid with STATUS_BUFFER_OVERFLOW). */
export function decodeIoctlResponse(msg: Buffer): Buffer {
  const r = new WireReader(msg, "IOCTL response");
  const b = HEADER_SIZE;
  if (r.u16(b) !== 49) throw SmbError.protocol("IOCTL response: bad StructureSize");
  const off = r.u32(b + 32);
  const len = r.u32(b + 36);
  return len ? r.bytes(off, len) : Buffer.alloc(0);
}

export function encodeCancelRequest(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
}

export function encodeEchoRequest(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
}

/**
 * NEGOTIATE request (MS-SMB2 2.2.3) and response (2.2.4) with the negotiate contexts of
 * 2.2.3.1: PREAUTH_INTEGRITY_CAPABILITIES, ENCRYPTION_CAPABILITIES, SIGNING_CAPABILITIES.
 * Offsets in the wire format count from the start of the SMB2 header (64 bytes before the body).
 */
import { HEADER_SIZE } from "./header.js";
import { WireReader, pad8 } from "./wire-reader.js";
import { SmbError } from "../errors.js";

export const Dialect = { SMB202: 0x0202, SMB210: 0x0210, SMB300: 0x0300, SMB302: 0x0302, SMB311: 0x0311 } as const;
export type DialectRevision = (typeof Dialect)[keyof typeof Dialect];

export const SecurityMode = { SIGNING_ENABLED: 0x0001, SIGNING_REQUIRED: 0x0002 } as const;

export const Capabilities = {
  DFS: 0x01,
  LEASING: 0x02,
  LARGE_MTU: 0x04,
  MULTI_CHANNEL: 0x08,
  PERSISTENT_HANDLES: 0x10,
  DIRECTORY_LEASING: 0x20,
  ENCRYPTION: 0x40,
} as const;

export const ContextType = {
  PREAUTH_INTEGRITY: 0x0001,
  ENCRYPTION: 0x0002,
  COMPRESSION: 0x0003,
  NETNAME: 0x0005,
  SIGNING: 0x0008,
} as const;
export const HASH_SHA512 = 0x0001;
/** Cipher ids of 2.2.3.1.2. */
export const CipherWire = { "aes-128-ccm": 1, "aes-128-gcm": 2, "aes-256-ccm": 3, "aes-256-gcm": 4 } as const;
export type CipherName = keyof typeof CipherWire;
/** Signing algorithm ids of 2.2.3.1.7. */
export const SigningWire = { "hmac-sha256": 0, "aes-cmac": 1, "aes-gmac": 2 } as const;
export type SigningName = keyof typeof SigningWire;

export interface NegotiateRequest {
  dialects: DialectRevision[];
  securityMode: number;
  capabilities: number;
  clientGuid: Buffer;
  /** Used only when 3.1.1 is offered. */
  preauthSalt: Buffer;
  ciphers: CipherName[];
  signingAlgorithms: SigningName[];
}

function context(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(type, 0);
  head.writeUInt16LE(data.length, 2);
  return Buffer.concat([head, data]);
}

export function encodeNegotiateRequest(req: NegotiateRequest): Buffer {
  const with311 = req.dialects.includes(Dialect.SMB311);
  const fixed = Buffer.alloc(36);
  fixed.writeUInt16LE(36, 0);
  fixed.writeUInt16LE(req.dialects.length, 2);
  fixed.writeUInt16LE(req.securityMode, 4);
  fixed.writeUInt32LE(req.capabilities, 8);
  req.clientGuid.copy(fixed, 12, 0, 16);
  const dialects = Buffer.alloc(req.dialects.length * 2);
  req.dialects.forEach((d, i) => dialects.writeUInt16LE(d, i * 2));
  if (!with311) return Buffer.concat([fixed, dialects]);

  const preauth = Buffer.alloc(6 + req.preauthSalt.length);
  preauth.writeUInt16LE(1, 0);
  preauth.writeUInt16LE(req.preauthSalt.length, 2);
  preauth.writeUInt16LE(HASH_SHA512, 4);
  req.preauthSalt.copy(preauth, 6);
  const enc = Buffer.alloc(2 + req.ciphers.length * 2);
  enc.writeUInt16LE(req.ciphers.length, 0);
  req.ciphers.forEach((c, i) => enc.writeUInt16LE(CipherWire[c], 2 + i * 2));
  const sig = Buffer.alloc(2 + req.signingAlgorithms.length * 2);
  sig.writeUInt16LE(req.signingAlgorithms.length, 0);
  req.signingAlgorithms.forEach((a, i) => sig.writeUInt16LE(SigningWire[a], 2 + i * 2));
  const contexts = [
    context(ContextType.PREAUTH_INTEGRITY, preauth),
    context(ContextType.ENCRYPTION, enc),
    context(ContextType.SIGNING, sig),
  ];

  const parts: Buffer[] = [fixed, dialects];
  let off = HEADER_SIZE + fixed.length + dialects.length;
  const ctxOffset = pad8(off);
  parts.push(Buffer.alloc(ctxOffset - off));
  off = ctxOffset;
  contexts.forEach((c, i) => {
    parts.push(c);
    off += c.length;
    if (i < contexts.length - 1) {
      const p = pad8(off) - off;
      parts.push(Buffer.alloc(p));
      off += p;
    }
  });
  fixed.writeUInt32LE(ctxOffset, 28);
  fixed.writeUInt16LE(contexts.length, 32);
  return Buffer.concat(parts);
}

export interface NegotiateResponse {
  securityMode: number;
  dialect: number;
  serverGuid: Buffer;
  capabilities: number;
  maxTransactSize: number;
  maxReadSize: number;
  maxWriteSize: number;
  systemTime: bigint;
  securityBuffer: Buffer;
  preauthHashAlgorithm?: number;
  cipher?: CipherName;
  signingAlgorithm?: SigningName;
}

/** `msg` is the whole message (header + body) because context offsets count from the header. */
export function decodeNegotiateResponse(msg: Buffer): NegotiateResponse {
  const r = new WireReader(msg, "NEGOTIATE response");
  const b = HEADER_SIZE;
  if (r.u16(b) !== 65) throw SmbError.protocol("NEGOTIATE response: bad StructureSize");
  const dialect = r.u16(b + 4);
  const ctxCount = r.u16(b + 6);
  const secOff = r.u16(b + 56);
  const secLen = r.u16(b + 58);
  const res: NegotiateResponse = {
    securityMode: r.u16(b + 2),
    dialect,
    serverGuid: Buffer.from(r.bytes(b + 8, 16)),
    capabilities: r.u32(b + 24),
    maxTransactSize: r.u32(b + 28),
    maxReadSize: r.u32(b + 32),
    maxWriteSize: r.u32(b + 36),
    systemTime: r.u64(b + 40),
    securityBuffer: secLen ? Buffer.from(r.bytes(secOff, secLen)) : Buffer.alloc(0),
  };
  if (dialect === Dialect.SMB311) {
    let off = r.u32(b + 60);
    for (let i = 0; i < ctxCount; i++) {
      off = pad8(off);
      const type = r.u16(off);
      const len = r.u16(off + 2);
      const data = new WireReader(r.bytes(off + 8, len), "negotiate context");
      if (type === ContextType.PREAUTH_INTEGRITY) {
        if (data.u16(0) !== 1) throw SmbError.protocol("server chose several preauth hashes");
        res.preauthHashAlgorithm = data.u16(4);
      } else if (type === ContextType.ENCRYPTION) {
        const id = data.u16(0) === 1 ? data.u16(2) : 0;
        res.cipher = (Object.keys(CipherWire) as CipherName[]).find((k) => CipherWire[k] === id);
      } else if (type === ContextType.SIGNING) {
        const id = data.u16(0) === 1 ? data.u16(2) : -1;
        res.signingAlgorithm = (Object.keys(SigningWire) as SigningName[]).find((k) => SigningWire[k] === id);
      }
      off += 8 + len;
    }
    if (res.preauthHashAlgorithm !== HASH_SHA512)
      throw SmbError.protocol("SMB 3.1.1 server did not select SHA-512 preauth integrity");
  }
  return res;
}

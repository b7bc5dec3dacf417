import { SmbAuthError } from "./auth-error.js";

/**
 * NTLM wire messages (MS-NLMP 2.2.1): NEGOTIATE and AUTHENTICATE out, CHALLENGE in, and the
 * AV_PAIR list (2.2.2.1) in the challenge's TargetInfo. The CHALLENGE decoder checks every
 * offset and length against the message before reading.
 */

const SIGNATURE = Buffer.from("NTLMSSP\0", "latin1");

/** MS-NLMP 2.2.2.1 AvId values. */
export const AV_ID = {
  EOL: 0x0000,
  NbComputerName: 0x0001,
  NbDomainName: 0x0002,
  DnsComputerName: 0x0003,
  DnsDomainName: 0x0004,
  DnsTreeName: 0x0005,
  Flags: 0x0006,
  Timestamp: 0x0007,
  SingleHost: 0x0008,
  TargetName: 0x0009,
  ChannelBindings: 0x000a,
} as const;

/** MsvAvFlags bit 0x2: the AUTHENTICATE message carries a MIC. */
export const AV_FLAG_MIC_PRESENT = 0x0000_0002;

/**
 * MS-NLMP 2.2.2.10 VERSION (Windows 10.0 build 19041, NTLM revision 15). Always sent: the
 * AUTHENTICATE MIC follows it at offset 72, where Samba and Windows look for the MIC.
 */
export const CLIENT_VERSION = Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 15]);

export interface AvPair {
  id: number;
  value: Buffer;
}

function malformed(why: string): never {
  throw new SmbAuthError("malformed_token", `malformed NTLM message: ${why}`);
}

/** Decodes an AV_PAIR list; stops at MsvAvEOL and requires it to be present. */
export function decodeAvPairs(buf: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let offset = 0;
  for (;;) {
    if (offset + 4 > buf.length) malformed("AV_PAIR list without MsvAvEOL");
    const id = buf.readUInt16LE(offset);
    const length = buf.readUInt16LE(offset + 2);
    offset += 4;
    if (id === AV_ID.EOL) return pairs;
    if (offset + length > buf.length) malformed(`AV_PAIR 0x${id.toString(16)} overruns TargetInfo`);
    pairs.push({ id, value: buf.subarray(offset, offset + length) });
    offset += length;
  }
}

/** Encodes the pairs followed by MsvAvEOL. */
export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const pair of pairs) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(pair.id, 0);
    head.writeUInt16LE(pair.value.length, 2);
    parts.push(head, pair.value);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** MS-NLMP 2.2.1.1 NEGOTIATE_MESSAGE with no domain or workstation (we never send OEM names). */
export function encodeNegotiate(flags: number): Buffer {
  const msg = Buffer.alloc(40);
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(1, 8);
  msg.writeUInt32LE(flags >>> 0, 12);
  msg.writeUInt16LE(0, 16);
  msg.writeUInt16LE(0, 18);
  msg.writeUInt32LE(40, 20);
  msg.writeUInt16LE(0, 24);
  msg.writeUInt16LE(0, 26);
  msg.writeUInt32LE(40, 28);
  CLIENT_VERSION.copy(msg, 32);
  return msg;
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Buffer;
  targetName: Buffer;
  /** Raw TargetInfo bytes (an AV_PAIR list), empty when absent. */
  targetInfo: Buffer;
}

function field(msg: Buffer, at: number, what: string): Buffer {
  const length = msg.readUInt16LE(at);
  const offset = msg.readUInt32LE(at + 4);
  if (length === 0) return Buffer.alloc(0);
  if (offset > msg.length || length > msg.length - offset) malformed(`${what} field points outside the message`);
  return msg.subarray(offset, offset + length);
}

/**
 * MS-NLMP 2.2.1.2 CHALLENGE_MESSAGE.
 * @throws SmbAuthError("malformed_token") if it is short, not NTLMSSP type 2, or a field
 *   points outside it.
 */
export function decodeChallenge(msg: Buffer): ChallengeMessage {
  if (msg.length < 48) malformed("CHALLENGE_MESSAGE shorter than 48 bytes");
  if (!msg.subarray(0, 8).equals(SIGNATURE)) malformed("no NTLMSSP signature");
  if (msg.readUInt32LE(8) !== 2) malformed(`expected CHALLENGE_MESSAGE, got type ${msg.readUInt32LE(8)}`);
  return {
    targetName: field(msg, 12, "TargetName"),
    flags: msg.readUInt32LE(20),
    serverChallenge: Buffer.from(msg.subarray(24, 32)),
    targetInfo: field(msg, 40, "TargetInfo"),
  };
}

export interface AuthenticateFields {
  flags: number;
  lmChallengeResponse: Buffer;
  ntChallengeResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey: Buffer;
}

/** Offset of the 16-byte MIC in an AUTHENTICATE_MESSAGE that carries a Version field. */
export const MIC_OFFSET = 72;
const AUTHENTICATE_HEADER = 88;

/**
 * MS-NLMP 2.2.1.3 AUTHENTICATE_MESSAGE with Version and a zeroed MIC (the caller computes the
 * MIC over all three messages and writes it at MIC_OFFSET). Strings are UTF-16LE.
 */
export function encodeAuthenticate(f: AuthenticateFields): Buffer {
  const payloads = [
    f.lmChallengeResponse,
    f.ntChallengeResponse,
    Buffer.from(f.domain, "utf16le"),
    Buffer.from(f.user, "utf16le"),
    Buffer.from(f.workstation, "utf16le"),
    f.encryptedRandomSessionKey,
  ];
  for (const p of payloads)
    if (p.length > 0xffff) throw new SmbAuthError("bad_credentials", "NTLM field longer than 65535 bytes");
  const header = Buffer.alloc(AUTHENTICATE_HEADER);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  // Field order in the header is LM, NT, Domain, User, Workstation, SessionKey (12..60);
  // the payload is laid out in the order Windows uses: Domain, User, Workstation, LM, NT, key.
  const headerAt = [12, 20, 28, 36, 44, 52];
  const payloadOrder = [2, 3, 4, 0, 1, 5];
  let offset = AUTHENTICATE_HEADER;
  for (const i of payloadOrder) {
    header.writeUInt16LE(payloads[i].length, headerAt[i]);
    header.writeUInt16LE(payloads[i].length, headerAt[i] + 2);
    header.writeUInt32LE(offset, headerAt[i] + 4);
    offset += payloads[i].length;
  }
  header.writeUInt32LE(f.flags >>> 0, 60);
  CLIENT_VERSION.copy(header, 64);
  return Buffer.concat([header, ...payloadOrder.map((i) => payloads[i])]);
}

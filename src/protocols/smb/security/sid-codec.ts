import { need } from "./bounds-check.js";
import { SecurityDecodeError } from "./security-errors.js";

/**
 * SIDs travel as their canonical string form ("S-1-5-21-…"); this module converts between that
 * and the binary SID of MS-DTYP 2.4.2.2 (Revision, SubAuthorityCount, 6-byte big-endian
 * IdentifierAuthority, little-endian 32-bit SubAuthorities). String form per MS-DTYP 2.4.2.1:
 * the authority is decimal below 2^32 and "0x" + 12 hex digits above.
 */
export type SidString = string;

/** MS-DTYP 2.4.2: at most 15 sub-authorities. */
export const MAX_SUB_AUTHORITIES = 15;

/** Size in bytes of the binary SID that starts at `offset`, read from its header. */
export function sidLength(buf: Buffer, offset = 0): number {
  need(buf, offset, 8, "SID header");
  return 8 + 4 * buf[offset + 1];
}

/**
 * Decodes the binary SID at `offset`. Throws {@link SecurityDecodeError} if it is truncated,
 * its revision is not 1 or it declares more than 15 sub-authorities.
 */
export function decodeSid(buf: Buffer, offset = 0): { sid: SidString; length: number } {
  need(buf, offset, 8, "SID header");
  const revision = buf[offset];
  const count = buf[offset + 1];
  if (revision !== 1) throw new SecurityDecodeError(`SID revision ${revision} is not 1`, offset);
  if (count > MAX_SUB_AUTHORITIES) {
    throw new SecurityDecodeError(`SID has ${count} sub-authorities (max ${MAX_SUB_AUTHORITIES})`, offset);
  }
  const length = 8 + 4 * count;
  need(buf, offset, length, "SID sub-authorities");
  const authority = buf.readUIntBE(offset + 2, 6);
  const parts = ["S", "1", formatAuthority(authority)];
  for (let i = 0; i < count; i++) parts.push(String(buf.readUInt32LE(offset + 8 + 4 * i)));
  return { sid: parts.join("-"), length };
}

/** Parsed pieces of a SID string, validated. Throws {@link SecurityDecodeError} (offset −1). */
export function parseSid(sid: SidString): { revision: 1; authority: number; subAuthorities: number[] } {
  const m = /^S-1-(0x[0-9a-fA-F]{1,12}|\d{1,15})((?:-\d{1,10})*)$/i.exec(sid.trim());
  if (!m) throw new SecurityDecodeError(`not a SID string: ${JSON.stringify(sid)}`, -1);
  const authority = m[1].toLowerCase().startsWith("0x") ? parseInt(m[1].slice(2), 16) : Number(m[1]);
  if (authority > 0xffff_ffff_ffff) throw new SecurityDecodeError(`SID authority too large: ${sid}`, -1);
  const subAuthorities = m[2] === "" ? [] : m[2].slice(1).split("-").map(Number);
  if (subAuthorities.length > MAX_SUB_AUTHORITIES) {
    throw new SecurityDecodeError(`SID has more than ${MAX_SUB_AUTHORITIES} sub-authorities: ${sid}`, -1);
  }
  for (const s of subAuthorities) {
    if (s > 0xffff_ffff) throw new SecurityDecodeError(`SID sub-authority out of range: ${sid}`, -1);
  }
  return { revision: 1, authority, subAuthorities };
}

/** Binary SID (MS-DTYP 2.4.2.2) for a SID string. Throws {@link SecurityDecodeError} on a bad string. */
export function encodeSid(sid: SidString): Buffer {
  const { authority, subAuthorities } = parseSid(sid);
  const out = Buffer.alloc(8 + 4 * subAuthorities.length);
  out[0] = 1;
  out[1] = subAuthorities.length;
  out.writeUIntBE(authority, 2, 6);
  subAuthorities.forEach((s, i) => out.writeUInt32LE(s, 8 + 4 * i));
  return out;
}

/** Canonical form of a SID string (decimal sub-authorities, "S" upper case, hex authority lower case). */
export function normalizeSid(sid: SidString): SidString {
  const { authority, subAuthorities } = parseSid(sid);
  return ["S", "1", formatAuthority(authority), ...subAuthorities.map(String)].join("-");
}

/** True when `sid` parses as a SID string. */
export function isSid(sid: string): boolean {
  try {
    parseSid(sid);
    return true;
  } catch {
    return false;
  }
}

/** The SID without its last sub-authority, and that sub-authority (the RID). Null for a SID without sub-authorities. */
export function splitRid(sid: SidString): { domainSid: SidString; rid: number } | null {
  const { authority, subAuthorities } = parseSid(sid);
  if (subAuthorities.length === 0) return null;
  const rid = subAuthorities[subAuthorities.length - 1];
  const domainSid = ["S", "1", formatAuthority(authority), ...subAuthorities.slice(0, -1).map(String)].join("-");
  return { domainSid, rid };
}

/** `domainSid` with `rid` appended. Throws {@link SecurityDecodeError} if the result would be too long. */
export function appendRid(domainSid: SidString, rid: number): SidString {
  const out = `${normalizeSid(domainSid)}-${rid >>> 0}`;
  parseSid(out);
  return out;
}

function formatAuthority(authority: number): string {
  return authority < 2 ** 32 ? String(authority) : "0x" + authority.toString(16).padStart(12, "0");
}

import { decodeAcl, encodeAcl, type Acl } from "./acl-codec.js";
import { need } from "./bounds-check.js";
import { SecurityDecodeError } from "./security-errors.js";
import { decodeSid, encodeSid, type SidString } from "./sid-codec.js";

/** SECURITY_DESCRIPTOR Control bits, MS-DTYP 2.4.6. */
export const SdControl = {
  OWNER_DEFAULTED: 0x0001,
  GROUP_DEFAULTED: 0x0002,
  DACL_PRESENT: 0x0004,
  DACL_DEFAULTED: 0x0008,
  SACL_PRESENT: 0x0010,
  SACL_DEFAULTED: 0x0020,
  DACL_TRUSTED: 0x0040,
  SERVER_SECURITY: 0x0080,
  DACL_AUTO_INHERIT_REQ: 0x0100,
  SACL_AUTO_INHERIT_REQ: 0x0200,
  DACL_AUTO_INHERITED: 0x0400,
  SACL_AUTO_INHERITED: 0x0800,
  DACL_PROTECTED: 0x1000,
  SACL_PROTECTED: 0x2000,
  RM_CONTROL_VALID: 0x4000,
  SELF_RELATIVE: 0x8000,
} as const;

/**
 * A decoded security descriptor. A part the server did not return (not asked for, or absent)
 * is undefined. `control & DACL_PRESENT` with no `dacl` is a NULL DACL, which grants everyone
 * full access ({@link hasNullDacl}); a present but empty DACL grants nobody anything.
 */
export interface SecurityDescriptor {
  revision: number;
  control: number;
  owner?: SidString;
  group?: SidString;
  dacl?: Acl;
  sacl?: Acl;
}

export function hasNullDacl(sd: SecurityDescriptor): boolean {
  return (sd.control & SdControl.DACL_PRESENT) !== 0 && sd.dacl === undefined;
}

export function controlFlagNames(control: number): string[] {
  return Object.entries(SdControl)
    .filter(([, bit]) => control & bit)
    .map(([name]) => name);
}

/**
 * Decodes a self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6) as returned by SMB2 QUERY_INFO
 * (InfoType SECURITY). An offset of 0 means the part is absent; DACL/SACL are read only when
 * their PRESENT bit is set. Throws {@link SecurityDecodeError} for revision ≠ 1, a descriptor
 * without SE_SELF_RELATIVE, or any part running past the buffer. Never throws anything else.
 */
export function decodeSecurityDescriptor(buf: Buffer): SecurityDescriptor {
  need(buf, 0, 20, "security descriptor header");
  const revision = buf[0];
  if (revision !== 1) throw new SecurityDecodeError(`security descriptor revision ${revision} is not 1`, 0);
  const control = buf.readUInt16LE(2);
  if (!(control & SdControl.SELF_RELATIVE)) {
    throw new SecurityDecodeError("security descriptor is not self-relative", 2);
  }
  const offOwner = buf.readUInt32LE(4);
  const offGroup = buf.readUInt32LE(8);
  const offSacl = buf.readUInt32LE(12);
  const offDacl = buf.readUInt32LE(16);
  const sd: SecurityDescriptor = { revision, control };
  if (offOwner) sd.owner = decodeSid(buf, checkOffset(buf, offOwner, "owner")).sid;
  if (offGroup) sd.group = decodeSid(buf, checkOffset(buf, offGroup, "group")).sid;
  if (offSacl && control & SdControl.SACL_PRESENT) sd.sacl = decodeAcl(buf, checkOffset(buf, offSacl, "SACL"));
  if (offDacl && control & SdControl.DACL_PRESENT) sd.dacl = decodeAcl(buf, checkOffset(buf, offDacl, "DACL"));
  return sd;
}

function checkOffset(buf: Buffer, offset: number, what: string): number {
  if (offset < 20 || offset >= buf.length) {
    throw new SecurityDecodeError(`${what} offset ${offset} outside descriptor of ${buf.length} bytes`, offset);
  }
  return offset;
}

/**
 * Encodes a self-relative descriptor in the order Samba writes it (header, owner, group, SACL,
 * DACL). SE_SELF_RELATIVE is always set; DACL_PRESENT / SACL_PRESENT are set when the ACL is
 * given and otherwise kept from `control` (so a NULL DACL survives a round trip).
 */
export function encodeSecurityDescriptor(sd: SecurityDescriptor): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(20);
  let control = (sd.control | SdControl.SELF_RELATIVE) & 0xffff;
  let offset = 20;
  const place = (b: Buffer, at: number) => {
    head.writeUInt32LE(offset, at);
    parts.push(b);
    offset += b.length;
  };
  if (sd.owner !== undefined) place(encodeSid(sd.owner), 4);
  if (sd.group !== undefined) place(encodeSid(sd.group), 8);
  if (sd.sacl !== undefined) {
    control |= SdControl.SACL_PRESENT;
    place(encodeAcl(sd.sacl), 12);
  }
  if (sd.dacl !== undefined) {
    control |= SdControl.DACL_PRESENT;
    place(encodeAcl(sd.dacl), 16);
  }
  head[0] = sd.revision || 1;
  head.writeUInt16LE(control, 2);
  return Buffer.concat([head, ...parts]);
}

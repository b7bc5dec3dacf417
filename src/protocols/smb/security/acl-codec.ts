import { decodeAce, encodeAce, isObjectAceType, type Ace } from "./ace-codec.js";
import { need } from "./bounds-check.js";
import { SecurityDecodeError } from "./security-errors.js";

/**
 * ACL_REVISION (plain ACEs) and ACL_REVISION_DS (object ACEs allowed), MS-DTYP 2.4.5. winnt.h
 * also defines revisions 1 and 3, and smbcacls writes 3, so the decoder accepts 1–4.
 */
export const ACL_REVISION = 2;
export const ACL_REVISION_DS = 4;

export interface Acl {
  revision: number;
  aces: Ace[];
}

/**
 * Decodes the ACL at `offset` (MS-DTYP 2.4.5). Every ACE must lie inside AclSize. Throws
 * {@link SecurityDecodeError} for a revision outside 1–4, an AclSize below 8 or past the
 * buffer, or an AceCount the AclSize cannot hold.
 */
export function decodeAcl(buf: Buffer, offset: number): Acl {
  need(buf, offset, 8, "ACL header");
  const revision = buf[offset];
  if (revision < 1 || revision > 4) {
    throw new SecurityDecodeError(`ACL revision ${revision} is not 1–4`, offset);
  }
  const size = buf.readUInt16LE(offset + 2);
  const count = buf.readUInt16LE(offset + 4);
  if (size < 8) throw new SecurityDecodeError(`ACL size ${size} is below 8`, offset);
  need(buf, offset, size, "ACL");
  if (count * 8 > size - 8) throw new SecurityDecodeError(`ACL of ${size} bytes cannot hold ${count} ACEs`, offset);
  const acl = buf.subarray(offset, offset + size);
  const aces: Ace[] = [];
  let p = 8;
  for (let i = 0; i < count; i++) {
    try {
      const { ace, size: aceSize } = decodeAce(acl, p);
      aces.push(ace);
      p += aceSize;
    } catch (err) {
      if (err instanceof SecurityDecodeError) throw new SecurityDecodeError(`ACE ${i}: ${err.message}`, offset + p);
      throw err;
    }
  }
  return { revision, aces };
}

/**
 * Encodes an ACL. The revision is raised to ACL_REVISION_DS when an object ACE (types 5–8,
 * 0x0b, 0x0c, 0x0f, 0x10) is present. Throws {@link SecurityDecodeError} if it exceeds 64 KiB.
 */
export function encodeAcl(acl: Acl): Buffer {
  const aces = acl.aces.map(encodeAce);
  const size = 8 + aces.reduce((n, a) => n + a.length, 0);
  if (size > 0xffff) throw new SecurityDecodeError(`ACL of ${size} bytes exceeds 65535`, -1);
  const hasObject = acl.aces.some((a) => isObjectAceType(a.type));
  const head = Buffer.alloc(8);
  head[0] = hasObject ? ACL_REVISION_DS : acl.revision || ACL_REVISION;
  head.writeUInt16LE(size, 2);
  head.writeUInt16LE(aces.length, 4);
  return Buffer.concat([head, ...aces]);
}

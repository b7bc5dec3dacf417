import { need } from "./bounds-check.js";
import { SecurityDecodeError } from "./security-errors.js";
import { decodeSid, encodeSid, type SidString } from "./sid-codec.js";

/** ACE types, MS-DTYP 2.4.4.1. */
export const AceType = {
  ACCESS_ALLOWED: 0x00,
  ACCESS_DENIED: 0x01,
  SYSTEM_AUDIT: 0x02,
  SYSTEM_ALARM: 0x03,
  ACCESS_ALLOWED_COMPOUND: 0x04,
  ACCESS_ALLOWED_OBJECT: 0x05,
  ACCESS_DENIED_OBJECT: 0x06,
  SYSTEM_AUDIT_OBJECT: 0x07,
  SYSTEM_ALARM_OBJECT: 0x08,
  ACCESS_ALLOWED_CALLBACK: 0x09,
  ACCESS_DENIED_CALLBACK: 0x0a,
  ACCESS_ALLOWED_CALLBACK_OBJECT: 0x0b,
  ACCESS_DENIED_CALLBACK_OBJECT: 0x0c,
  SYSTEM_AUDIT_CALLBACK: 0x0d,
  SYSTEM_ALARM_CALLBACK: 0x0e,
  SYSTEM_AUDIT_CALLBACK_OBJECT: 0x0f,
  SYSTEM_ALARM_CALLBACK_OBJECT: 0x10,
  SYSTEM_MANDATORY_LABEL: 0x11,
  SYSTEM_RESOURCE_ATTRIBUTE: 0x12,
  SYSTEM_SCOPED_POLICY_ID: 0x13,
} as const;

/** ACE flags, MS-DTYP 2.4.4.1. */
export const AceFlag = {
  OBJECT_INHERIT: 0x01,
  CONTAINER_INHERIT: 0x02,
  NO_PROPAGATE_INHERIT: 0x04,
  INHERIT_ONLY: 0x08,
  INHERITED: 0x10,
  SUCCESSFUL_ACCESS: 0x40,
  FAILED_ACCESS: 0x80,
} as const;

/** Types laid out as Mask + Sid (+ application data for callbacks), MS-DTYP 2.4.4.2–2.4.4.13. */
const MASK_SID_TYPES = new Set<number>([0x00, 0x01, 0x02, 0x03, 0x09, 0x0a, 0x0d, 0x0e, 0x11, 0x12, 0x13]);
/** Types laid out as Mask + Flags + optional GUIDs + Sid, MS-DTYP 2.4.4.3 and siblings. */
const OBJECT_TYPES = new Set<number>([0x05, 0x06, 0x07, 0x08, 0x0b, 0x0c, 0x0f, 0x10]);
const ACE_OBJECT_TYPE_PRESENT = 0x1;

/** True for the object ACE types, which need ACL_REVISION_DS. */
export function isObjectAceType(type: number): boolean {
  return OBJECT_TYPES.has(type);
}
const ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2;

/**
 * One ACE. `kind` is what a file-permission evaluator may act on: only the plain
 * ACCESS_ALLOWED / ACCESS_DENIED / SYSTEM_AUDIT types get "allow" / "deny" / "audit"; object,
 * callback (conditional) and other types are "other" and must be skipped — they are decoded as
 * far as their layout is known (mask, sid) and kept byte-exact in `raw` for re-encoding.
 */
export interface Ace {
  type: number;
  typeName: string;
  kind: "allow" | "deny" | "audit" | "other";
  flags: number;
  mask: number;
  /** Absent only for types whose layout is unknown. */
  sid?: SidString;
  objectType?: string;
  inheritedObjectType?: string;
  /** The whole ACE as read (header included); absent on ACEs built in code. */
  raw?: Buffer;
}

export interface AceInheritance {
  objectInherit: boolean;
  containerInherit: boolean;
  noPropagateInherit: boolean;
  inheritOnly: boolean;
  inherited: boolean;
}

export function aceInheritance(flags: number): AceInheritance {
  return {
    objectInherit: (flags & AceFlag.OBJECT_INHERIT) !== 0,
    containerInherit: (flags & AceFlag.CONTAINER_INHERIT) !== 0,
    noPropagateInherit: (flags & AceFlag.NO_PROPAGATE_INHERIT) !== 0,
    inheritOnly: (flags & AceFlag.INHERIT_ONLY) !== 0,
    inherited: (flags & AceFlag.INHERITED) !== 0,
  };
}

export function aceFlagNames(flags: number): string[] {
  return Object.entries(AceFlag)
    .filter(([, bit]) => flags & bit)
    .map(([name]) => name);
}

const TYPE_NAMES = new Map<number, string>(Object.entries(AceType).map(([k, v]) => [v, k]));

function kindOf(type: number): Ace["kind"] {
  if (type === AceType.ACCESS_ALLOWED) return "allow";
  if (type === AceType.ACCESS_DENIED) return "deny";
  if (type === AceType.SYSTEM_AUDIT) return "audit";
  return "other";
}

/**
 * Decodes the ACE at `offset` (MS-DTYP 2.4.4). Throws {@link SecurityDecodeError} when the
 * header's AceSize is below 8 or runs past the buffer, or the SID inside runs past AceSize.
 * Unknown types are returned as kind "other" without mask/sid.
 */
export function decodeAce(buf: Buffer, offset: number): { ace: Ace; size: number } {
  need(buf, offset, 4, "ACE header");
  const type = buf[offset];
  const flags = buf[offset + 1];
  const size = buf.readUInt16LE(offset + 2);
  if (size < 8) throw new SecurityDecodeError(`ACE size ${size} is below 8`, offset);
  need(buf, offset, size, "ACE body");
  const ace = buf.subarray(offset, offset + size);
  const out: Ace = {
    type,
    typeName: TYPE_NAMES.get(type) ?? `UNKNOWN_0x${type.toString(16)}`,
    kind: kindOf(type),
    flags,
    mask: ace.readUInt32LE(4),
    raw: Buffer.from(ace),
  };
  if (MASK_SID_TYPES.has(type)) {
    out.sid = decodeSid(ace, 8).sid;
  } else if (OBJECT_TYPES.has(type)) {
    need(ace, 8, 4, "object ACE flags");
    const objFlags = ace.readUInt32LE(8);
    let p = 12;
    if (objFlags & ACE_OBJECT_TYPE_PRESENT) {
      need(ace, p, 16, "object ACE ObjectType");
      out.objectType = formatGuid(ace.subarray(p, p + 16));
      p += 16;
    }
    if (objFlags & ACE_INHERITED_OBJECT_TYPE_PRESENT) {
      need(ace, p, 16, "object ACE InheritedObjectType");
      out.inheritedObjectType = formatGuid(ace.subarray(p, p + 16));
      p += 16;
    }
    out.sid = decodeSid(ace, p).sid;
  }
  return { ace: out, size };
}

/**
 * Encodes an ACE. ACEs read by {@link decodeAce} are written back byte-for-byte from `raw`
 * unless type, flags, mask or sid were changed; built ACEs must be a Mask + Sid type.
 * Throws {@link SecurityDecodeError} for a built ACE of another type or a bad SID string.
 */
export function encodeAce(ace: Ace): Buffer {
  if (ace.raw && ace.raw.length >= 8 && unchanged(ace, ace.raw)) return Buffer.from(ace.raw);
  if (!MASK_SID_TYPES.has(ace.type) || ace.sid === undefined) {
    throw new SecurityDecodeError(`cannot encode ACE type 0x${ace.type.toString(16)} from fields`, -1);
  }
  const sid = encodeSid(ace.sid);
  const out = Buffer.alloc(8 + sid.length);
  out[0] = ace.type;
  out[1] = ace.flags;
  out.writeUInt16LE(out.length, 2);
  out.writeUInt32LE(ace.mask >>> 0, 4);
  sid.copy(out, 8);
  return out;
}

function unchanged(ace: Ace, raw: Buffer): boolean {
  if (raw[0] !== ace.type || raw[1] !== ace.flags || raw.readUInt32LE(4) !== ace.mask >>> 0) return false;
  if (ace.sid === undefined) return true;
  try {
    return decodeAce(raw, 0).ace.sid === ace.sid;
  } catch {
    return false;
  }
}

/** GUID in its registry form; the first three fields are little-endian on the wire (MS-DTYP 2.3.4.2). */
export function formatGuid(b: Buffer): string {
  const hex = (x: Buffer) => x.toString("hex");
  const le = (x: Buffer) => hex(Buffer.from(x).reverse());
  return `${le(b.subarray(0, 4))}-${le(b.subarray(4, 6))}-${le(b.subarray(6, 8))}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;
}

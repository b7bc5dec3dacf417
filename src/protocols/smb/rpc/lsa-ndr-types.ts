import { decodeSid, encodeSid, type SidString } from "../security/sid-codec.js";
import { SecurityDecodeError } from "../security/security-errors.js";
import type { NdrReader } from "./ndr-reader.js";
import { RpcError } from "./rpc-errors.js";
import type { NdrWriter } from "./ndr-writer.js";

/** LSA opnums used here (MS-LSAD 3.1.4 / MS-LSAT 3.1.4). */
export const LsaOpnum = { Close: 0, OpenPolicy2: 44, LookupSids2: 57, LookupNames2: 58 } as const;

/** NTSTATUS values the lookups treat as (partial) success, MS-LSAT 3.1.4.8 / 3.1.4.6. */
export const STATUS_SUCCESS = 0x0000_0000;
export const STATUS_SOME_NOT_MAPPED = 0x0000_0107;
export const STATUS_NONE_MAPPED = 0xc000_0073;

/** LSAP_LOOKUP_LEVEL LsapLookupWksta: search local, then the domain, then trusted domains (MS-LSAT 2.2.16). */
export const LSAP_LOOKUP_WKSTA = 1;
/** LSA_CLIENT_REVISION_2 (MS-LSAT 3.1.4.5). */
export const LSA_CLIENT_REVISION_2 = 2;

/** SID_NAME_USE, MS-LSAT 2.2.13. */
export const SidNameUse = {
  1: "user",
  2: "group",
  3: "domain",
  4: "alias",
  5: "well_known_group",
  6: "deleted_account",
  7: "invalid",
  8: "unknown",
  9: "computer",
  10: "label",
} as const;
export type SidType = (typeof SidNameUse)[keyof typeof SidNameUse];

export function sidTypeOf(use: number): SidType {
  return (SidNameUse as Record<number, SidType>)[use] ?? "unknown";
}

/** A 20-byte context handle (MS-RPCE 2.2.4.2): attributes (u32) + UUID. */
export type PolicyHandle = Buffer;
export const POLICY_HANDLE_SIZE = 20;

export function writeHandle(w: NdrWriter, h: PolicyHandle): void {
  if (h.length !== POLICY_HANDLE_SIZE)
    throw new RpcError("protocol", `policy handle must be 20 bytes, got ${h.length}`);
  w.align(4).bytes(h);
}

export function readHandle(r: NdrReader): PolicyHandle {
  r.align(4);
  return Buffer.from(r.bytes(POLICY_HANDLE_SIZE, "policy handle"));
}

/**
 * RPC_SID (MS-DTYP 2.4.2.3) as a conformant structure: the conformance (SubAuthorityCount as
 * u32) precedes the structure, then Revision, SubAuthorityCount, the 6-byte authority and the
 * sub-authorities.
 */
export function writeRpcSid(w: NdrWriter, sid: SidString): void {
  const bin = encodeSid(sid);
  w.u32(bin[1]).bytes(bin);
}

/** Reads an RPC_SID; throws RpcError "protocol" if the conformance disagrees with the SID. */
export function readRpcSid(r: NdrReader): SidString {
  const max = r.u32("RPC_SID conformance");
  const head = r.bytes(8, "RPC_SID header");
  if (head[1] !== max) throw new RpcError("protocol", `RPC_SID conformance ${max} != SubAuthorityCount ${head[1]}`);
  const subs = r.bytes(4 * max, "RPC_SID sub-authorities");
  try {
    return decodeSid(Buffer.concat([head, subs])).sid;
  } catch (err) {
    if (err instanceof SecurityDecodeError) throw new RpcError("protocol", `bad RPC_SID: ${err.message}`);
    throw err;
  }
}

/** RPC_UNICODE_STRING (MS-DTYP 2.3.10) header: Length and MaximumLength in bytes, Buffer pointer. */
export function writeUnicodeStringHeader(w: NdrWriter, s: string): void {
  const bytes = Buffer.byteLength(s, "utf16le");
  if (bytes > 0xfffe) throw new RpcError("protocol", "string longer than 32767 UTF-16 units");
  w.u16(bytes).u16(bytes).pointer(true);
}

/** Deferred part of an RPC_UNICODE_STRING: the conformant varying array of its units. */
export function writeUnicodeStringBuffer(w: NdrWriter, s: string): void {
  w.align(4).wideString(s);
}

export interface UnicodeStringHeader {
  length: number;
  referent: number;
}

export function readUnicodeStringHeader(r: NdrReader): UnicodeStringHeader {
  const length = r.u16("RPC_UNICODE_STRING Length");
  const max = r.u16("RPC_UNICODE_STRING MaximumLength");
  const referent = r.u32("RPC_UNICODE_STRING Buffer");
  if (length > max || length % 2)
    throw new RpcError("protocol", `RPC_UNICODE_STRING Length ${length} / MaximumLength ${max}`);
  return { length, referent };
}

/** Reads the deferred buffer of a string whose header was read; "" when its pointer was null. */
export function readUnicodeStringBuffer(r: NdrReader, h: UnicodeStringHeader, what: string): string {
  if (h.referent === 0) return "";
  const s = r.wideString(what);
  if (s.length * 2 !== h.length) throw new RpcError("protocol", `${what}: ${s.length} units for Length ${h.length}`);
  return s;
}

export interface ReferencedDomain {
  name: string;
  sid: SidString | null;
}

/**
 * [out] PLSAPR_REFERENCED_DOMAIN_LIST* (MS-LSAT 2.2.12): a unique pointer to
 * {Entries, Domains*, MaxEntries}, the LSAPR_TRUST_INFORMATION array (Name, Sid*), then each
 * element's deferred name buffer and SID in order. A null pointer gives an empty list.
 */
export function readReferencedDomains(r: NdrReader): ReferencedDomain[] {
  if (r.u32("ReferencedDomains pointer") === 0) return [];
  const entries = r.u32("ReferencedDomains Entries");
  const arrayPtr = r.u32("ReferencedDomains Domains");
  r.u32("ReferencedDomains MaxEntries");
  if (arrayPtr === 0) {
    if (entries !== 0) throw new RpcError("protocol", `ReferencedDomains has ${entries} entries and no array`);
    return [];
  }
  const count = r.count("ReferencedDomains array", 12);
  if (count !== entries) throw new RpcError("protocol", `ReferencedDomains conformance ${count} != Entries ${entries}`);
  const heads: { name: UnicodeStringHeader; sidPtr: number }[] = [];
  for (let i = 0; i < count; i++) heads.push({ name: readUnicodeStringHeader(r), sidPtr: r.u32("trust info Sid") });
  return heads.map((h, i) => ({
    name: readUnicodeStringBuffer(r, h.name, `domain ${i} name`),
    sid: h.sidPtr ? readRpcSid(r) : null,
  }));
}

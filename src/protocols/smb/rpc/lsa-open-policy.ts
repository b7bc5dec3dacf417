import { NdrReader } from "./ndr-reader.js";
import { NdrWriter } from "./ndr-writer.js";
import { readHandle, type PolicyHandle } from "./lsa-ndr-types.js";

/** MAXIMUM_ALLOWED: the server grants whatever the caller may have (POLICY_LOOKUP_NAMES suffices). */
export const POLICY_MAXIMUM_ALLOWED = 0x0200_0000;

/**
 * LsarOpenPolicy2 request stub (MS-LSAD 3.1.4.4.1, opnum 44):
 * [in,unique,string] wchar_t* SystemName; [in] PLSAPR_OBJECT_ATTRIBUTES ObjectAttributes;
 * [in] ACCESS_MASK DesiredAccess. ObjectAttributes is all zero/null except Length (24) and a
 * SECURITY_QUALITY_OF_SERVICE {12, SecurityImpersonation, dynamic tracking, not effective-only},
 * as Windows and Samba's clients send it. SystemName null unless given (servers ignore it).
 */
export function encodeOpenPolicy2Request(opts: { systemName?: string; desiredAccess?: number } = {}): Buffer {
  const w = new NdrWriter();
  w.pointer(opts.systemName !== undefined);
  if (opts.systemName !== undefined) w.wideString(opts.systemName, { nulTerminate: true });
  w.u32(24).u32(0).u32(0).u32(0).u32(0).pointer(true);
  w.u32(12).u16(2).u8(1).u8(0);
  w.u32(opts.desiredAccess ?? POLICY_MAXIMUM_ALLOWED);
  return w.toBuffer();
}

/** Response stub: [out] LSAPR_HANDLE* PolicyHandle; NTSTATUS. */
export function decodeOpenPolicy2Response(stub: Buffer): { handle: PolicyHandle; status: number } {
  const r = new NdrReader(stub);
  const handle = readHandle(r);
  const status = r.u32("status");
  r.end("LsarOpenPolicy2 response");
  return { handle, status };
}

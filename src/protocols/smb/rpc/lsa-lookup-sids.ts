import type { SidString } from "../security/sid-codec.js";
import { NdrReader } from "./ndr-reader.js";
import { NdrWriter } from "./ndr-writer.js";
import { RpcError } from "./rpc-errors.js";
import {
  LSA_CLIENT_REVISION_2,
  LSAP_LOOKUP_WKSTA,
  readReferencedDomains,
  readUnicodeStringBuffer,
  readUnicodeStringHeader,
  writeHandle,
  writeRpcSid,
  type PolicyHandle,
  type ReferencedDomain,
} from "./lsa-ndr-types.js";

/**
 * LsarLookupSids2 request stub (MS-LSAT 3.1.4.10, opnum 57): PolicyHandle; SidEnumBuffer
 * {Entries, unique SidInfo → conformant array of unique RPC_SID pointers, then the SIDs};
 * empty TranslatedNames {0, null}; LookupLevel (enum = u16); MappedCount 0; LookupOptions 0;
 * ClientRevision 2.
 */
export function encodeLookupSids2Request(handle: PolicyHandle, sids: SidString[]): Buffer {
  const w = new NdrWriter();
  writeHandle(w, handle);
  w.u32(sids.length).pointer(sids.length > 0);
  if (sids.length > 0) {
    w.u32(sids.length);
    for (let i = 0; i < sids.length; i++) w.pointer(true);
    for (const sid of sids) writeRpcSid(w, sid);
  }
  w.u32(0).u32(0);
  w.u16(LSAP_LOOKUP_WKSTA);
  w.u32(0).u32(0).u32(LSA_CLIENT_REVISION_2);
  return w.toBuffer();
}

/** One LSAPR_TRANSLATED_NAME_EX (MS-LSAT 2.2.20). `domainIndex` is −1 when no domain applies. */
export interface TranslatedName {
  use: number;
  name: string;
  domainIndex: number;
  flags: number;
}

export interface LookupSids2Response {
  domains: ReferencedDomain[];
  names: TranslatedName[];
  mappedCount: number;
  status: number;
}

/**
 * Response stub: ReferencedDomains; TranslatedNames {Entries, Names* → array of
 * {Use u16, Name, DomainIndex, Flags}, then the name buffers}; MappedCount; NTSTATUS.
 * Throws RpcError "protocol" for inconsistent counts or a DomainIndex outside the list.
 */
export function decodeLookupSids2Response(stub: Buffer): LookupSids2Response {
  const r = new NdrReader(stub);
  const domains = readReferencedDomains(r);
  const entries = r.u32("TranslatedNames Entries");
  const ptr = r.u32("TranslatedNames Names");
  const names: TranslatedName[] = [];
  if (ptr !== 0) {
    const count = r.count("TranslatedNames array", 20);
    if (count !== entries) throw new NdrCountError(count, entries);
    const heads = [];
    for (let i = 0; i < count; i++) {
      const use = r.u16("Use");
      r.align(4);
      const name = readUnicodeStringHeader(r);
      const domainIndex = r.i32("DomainIndex");
      const flags = r.u32("Flags");
      heads.push({ use, name, domainIndex, flags });
    }
    for (const [i, h] of heads.entries()) {
      checkDomainIndex(h.domainIndex, domains.length);
      names.push({
        use: h.use,
        name: readUnicodeStringBuffer(r, h.name, `name ${i}`),
        domainIndex: h.domainIndex,
        flags: h.flags,
      });
    }
  } else if (entries !== 0) {
    throw new NdrCountError(0, entries);
  }
  const mappedCount = r.u32("MappedCount");
  const status = r.u32("status");
  r.end("LsarLookupSids2 response");
  return { domains, names, mappedCount, status };
}

class NdrCountError extends RpcError {
  constructor(conformance: number, entries: number) {
    super("protocol", `NDR: array conformance ${conformance} != Entries ${entries}`);
  }
}

export function checkDomainIndex(index: number, domains: number): void {
  if (index < -1 || index >= domains)
    throw new RpcError("protocol", `DomainIndex ${index} outside ${domains} referenced domains`);
}

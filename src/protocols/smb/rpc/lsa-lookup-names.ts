import { NdrReader } from "./ndr-reader.js";
import { NdrWriter } from "./ndr-writer.js";
import { checkDomainIndex } from "./lsa-lookup-sids.js";
import {
  LSA_CLIENT_REVISION_2,
  LSAP_LOOKUP_WKSTA,
  readReferencedDomains,
  writeHandle,
  writeUnicodeStringBuffer,
  writeUnicodeStringHeader,
  type PolicyHandle,
  type ReferencedDomain,
} from "./lsa-ndr-types.js";
import { RpcError } from "./rpc-errors.js";

/**
 * LsarLookupNames2 request stub (MS-LSAT 3.1.4.6, opnum 58): PolicyHandle; Count; Names
 * (conformant array of RPC_UNICODE_STRING, then each buffer); empty TranslatedSids {0, null};
 * LookupLevel (u16); MappedCount 0; LookupOptions 0; ClientRevision 2. Names are
 * "DOMAIN\\name" or bare names; the range is 0..1000 (callers batch).
 */
export function encodeLookupNames2Request(handle: PolicyHandle, names: string[]): Buffer {
  if (names.length > 1000) throw new RpcError("protocol", "LsarLookupNames2 takes at most 1000 names");
  const w = new NdrWriter();
  writeHandle(w, handle);
  w.u32(names.length).u32(names.length);
  for (const n of names) writeUnicodeStringHeader(w, n);
  for (const n of names) writeUnicodeStringBuffer(w, n);
  w.u32(0).u32(0);
  w.u16(LSAP_LOOKUP_WKSTA);
  w.u32(0).u32(0).u32(LSA_CLIENT_REVISION_2);
  return w.toBuffer();
}

/** One LSAPR_TRANSLATED_SID_EX (MS-LSAT 2.2.24): the account is domains[domainIndex].sid + relativeId. */
export interface TranslatedSid {
  use: number;
  relativeId: number;
  domainIndex: number;
  flags: number;
}

export interface LookupNames2Response {
  domains: ReferencedDomain[];
  sids: TranslatedSid[];
  mappedCount: number;
  status: number;
}

/** Response stub: ReferencedDomains; TranslatedSids {Entries, Sids* → array}; MappedCount; NTSTATUS. */
export function decodeLookupNames2Response(stub: Buffer): LookupNames2Response {
  const r = new NdrReader(stub);
  const domains = readReferencedDomains(r);
  const entries = r.u32("TranslatedSids Entries");
  const ptr = r.u32("TranslatedSids Sids");
  const sids: TranslatedSid[] = [];
  if (ptr !== 0) {
    const count = r.count("TranslatedSids array", 16);
    if (count !== entries)
      throw new RpcError("protocol", `NDR: TranslatedSids conformance ${count} != Entries ${entries}`);
    for (let i = 0; i < count; i++) {
      const use = r.u16("Use");
      const relativeId = r.u32("RelativeId");
      const domainIndex = r.i32("DomainIndex");
      const flags = r.u32("Flags");
      checkDomainIndex(domainIndex, domains.length);
      sids.push({ use, relativeId, domainIndex, flags });
    }
  } else if (entries !== 0) {
    throw new RpcError("protocol", `NDR: TranslatedSids has ${entries} entries and no array`);
  }
  const mappedCount = r.u32("MappedCount");
  const status = r.u32("status");
  r.end("LsarLookupNames2 response");
  return { domains, sids, mappedCount, status };
}

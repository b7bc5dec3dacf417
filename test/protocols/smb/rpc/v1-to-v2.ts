import { NdrReader } from "../../../../src/protocols/smb/rpc/ndr-reader.js";
import { readReferencedDomains } from "../../../../src/protocols/smb/rpc/lsa-ndr-types.js";

/**
 * The captured v1 responses turned into their *2 form by the IDL rule that differs: each
 * LSAPR_TRANSLATED_NAME_EX / LSAPR_TRANSLATED_SID_EX gains a trailing `unsigned long Flags`.
 */
export function addFlags(v1Stub: Buffer, entrySize: number, flags: number): Buffer {
  const r = new NdrReader(v1Stub);
  readReferencedDomains(r);
  const entries = r.u32();
  r.u32();
  r.u32();
  const start = r.offset;
  const parts = [v1Stub.subarray(0, start)];
  for (let i = 0; i < entries; i++) {
    parts.push(v1Stub.subarray(start + i * entrySize, start + (i + 1) * entrySize));
    const f = Buffer.alloc(4);
    f.writeUInt32LE(flags, 0);
    parts.push(f);
  }
  parts.push(v1Stub.subarray(start + entries * entrySize));
  return Buffer.concat(parts);
}

import { NdrReader } from "./ndr-reader.js";
import { NdrWriter } from "./ndr-writer.js";
import { readHandle, writeHandle, type PolicyHandle } from "./lsa-ndr-types.js";

/** LsarClose request stub (MS-LSAD 3.1.4.9.4, opnum 0): [in,out] LSAPR_HANDLE* ObjectHandle. */
export function encodeCloseRequest(handle: PolicyHandle): Buffer {
  const w = new NdrWriter();
  writeHandle(w, handle);
  return w.toBuffer();
}

/** Response stub: the (zeroed) handle and the NTSTATUS. */
export function decodeCloseResponse(stub: Buffer): { handle: PolicyHandle; status: number } {
  const r = new NdrReader(stub);
  const handle = readHandle(r);
  const status = r.u32("status");
  r.end("LsarClose response");
  return { handle, status };
}

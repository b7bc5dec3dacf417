/**
 * Shared helpers for the SMB client tests: connect a client to a harness instance, generate
 * deterministic pseudo-random data as a stream, hash streams.
 */
import { createCipheriv, createHash } from "node:crypto";
import { Readable } from "node:stream";
import { SmbClient, type SmbClientOptions } from "../../../../src/protocols/smb/index.js";
import type { SambaInstance } from "../../../harness/samba.js";

export function connectClient(s: SambaInstance, extra: Partial<SmbClientOptions> = {}): Promise<SmbClient> {
  return SmbClient.connect({
    host: s.host,
    port: s.port,
    domain: s.domain,
    username: s.username,
    password: s.password,
    timeoutMs: 20_000,
    ...extra,
  });
}

/** `size` bytes of AES-CTR keystream (seeded), in 1 MiB chunks; cheap and incompressible. */
export function generatedData(size: number, seed = 1): Readable {
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, seed), Buffer.alloc(16));
  const zero = Buffer.alloc(1 << 20);
  return Readable.from(
    (function* () {
      for (let off = 0; off < size; off += zero.length)
        yield cipher.update(zero.subarray(0, Math.min(zero.length, size - off)));
    })(),
    { objectMode: false },
  );
}

export async function sha256Of(
  source: AsyncIterable<Buffer | Uint8Array | string>,
): Promise<{ hash: string; bytes: number }> {
  const h = createHash("sha256");
  let bytes = 0;
  for await (const c of source) {
    const b = typeof c === "string" ? Buffer.from(c) : c;
    h.update(b);
    bytes += b.length;
  }
  return { hash: h.digest("hex"), bytes };
}

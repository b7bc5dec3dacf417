/**
 * The memory-saving send and receive paths under load: WRITE data sent as parts (signed or
 * encrypted without joining), READ data handed to the consumer inside the receive frame it
 * arrived in (no copy), and many streams sharing one connection's in-flight window — data must
 * come back bit-exact in every case, whatever buffer reuse happens underneath.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { startSamba } from "../../../harness/samba.js";
import { connectClient, generatedData, sha256Of } from "./smb-test-helpers.js";

const MiB = 1 << 20;

const configs: { name: string; global: Record<string, string>; signing?: "required" }[] = [
  { name: "unsigned (default config)", global: {} },
  { name: "signed", global: {}, signing: "required" },
  {
    name: "encrypted AES-128-GCM",
    global: { "server smb encrypt": "required", "server smb3 encryption algorithms": "AES-128-GCM" },
  },
  {
    name: "encrypted SMB 3.0 AES-128-CCM",
    global: { "server max protocol": "SMB3_00", "server smb encrypt": "required" },
  },
];

describe("pooled receive buffers, zero-copy WRITEs and the in-flight window", { timeout: 300_000 }, () => {
  for (const c of configs) {
    test(
      `${c.name}: 24 MiB round trip, then 8 concurrent full ` +
        `reads, a producer reusing its buffer, 4 concurrent writes on one connection`,
      async () => {
        const s = await startSamba({ global: c.global });
        try {
          const client = await connectClient(s, { timeoutMs: 60_000, signing: c.signing });
          try {
            const tree = await client.tree("share");
            const size = 24 * MiB + 4321;
            const expected = await sha256Of(generatedData(size, 9));
            await tree.writeFile("a.bin", generatedData(size, 9));
            assert.deepEqual(await sha256Of(createReadStream(join(s.shares.share, "a.bin"))), expected);

            // 8 streams × 4 READs × 16 credits = 512 credits wanted, the window allows 128 at once.
            const reads = await Promise.all(Array.from({ length: 8 }, () => sha256Of(tree.createReadStream("a.bin"))));
            for (const r of reads) assert.deepEqual(r, expected);
            // Ranges that start and end inside READs, read concurrently.
            const ranges = [
              [0, 0],
              [MiB - 1, MiB],
              [3 * MiB + 17, 11 * MiB + 5],
              [size - 10, size - 1],
            ];
            const got = await Promise.all(
              ranges.map(([start, end]) => sha256Of(tree.createReadStream("a.bin", { start, end }))),
            );
            const want = await Promise.all(
              ranges.map(([start, end]) => sha256Of(createReadStream(join(s.shares.share, "a.bin"), { start, end }))),
            );
            assert.deepEqual(got, want);

            // Producers that refill ONE buffer as soon as each write is called back, running while 4
            // other writes keep the socket's send buffer full: whole WRITEs are sent from that buffer
            // without a copy, so the callback must wait until the socket has written them.
            const reuse = async (piece: number) => {
              const ws = tree.createWriteStream(`reuse-${piece}.bin`);
              const buf = Buffer.alloc(piece);
              const h = createHash("sha256");
              for (let i = 0; i < 12; i++) {
                buf.fill(i + 1);
                buf.writeUInt32LE(i, piece - 4);
                h.update(buf);
                await new Promise<void>((resolve, reject) => ws.write(buf, (e) => (e ? reject(e) : resolve())));
              }
              await new Promise<void>((resolve, reject) => ws.end((e?: Error | null) => (e ? reject(e) : resolve())));
              const onDisk = await sha256Of(createReadStream(join(s.shares.share, `reuse-${piece}.bin`)));
              assert.deepEqual(onDisk, { hash: h.digest("hex"), bytes: 12 * piece }, `reused ${piece}-byte buffer`);
            };
            // onChunkFree, under the same load: each chunk comes back once, after its callback, and
            // is overwritten at once, as a pool would reuse it; the file must hold what was written.
            const freedWrite = async () => {
              const freed = new Set<Buffer>();
              let freedTwice = 0;
              const sent: Buffer[] = [];
              const hash = createHash("sha256");
              const sizes = [MiB, MiB, 2 * MiB + 7, 100, MiB - 3, 3 * MiB, 5, 4 * MiB, MiB];
              const ws = tree.createWriteStream("freed.bin", {
                onChunkFree: (chunk) => {
                  if (freed.has(chunk)) freedTwice++;
                  freed.add(chunk);
                  chunk.fill(0xee);
                },
              });
              const chunks = function* () {
                for (const [i, n] of sizes.entries()) {
                  const chunk = randomBytes(n);
                  chunk[0] = i;
                  hash.update(chunk);
                  sent.push(chunk);
                  yield chunk;
                }
              };
              await pipeline(Readable.from(chunks(), { objectMode: false }), ws);
              assert.equal(freedTwice, 0);
              assert.equal(freed.size, sizes.length, "every chunk handed back");
              for (const chunk of sent) assert.ok(freed.has(chunk));
              const onDisk = await sha256Of(createReadStream(join(s.shares.share, "freed.bin")));
              assert.deepEqual(onDisk, { hash: hash.digest("hex"), bytes: sizes.reduce((a, b) => a + b, 0) });
            };
            const pieces = [MiB + 1000, 3 * MiB, 2 * MiB, 40_000];
            await Promise.all([
              freedWrite(),
              ...pieces.map(reuse),
              ...[1, 2, 3, 4].map((seed) => tree.writeFile(`w${seed}.bin`, generatedData(6 * MiB + seed, seed))),
            ]);
            for (const seed of [1, 2, 3, 4]) {
              assert.deepEqual(
                await sha256Of(createReadStream(join(s.shares.share, `w${seed}.bin`))),
                await sha256Of(generatedData(6 * MiB + seed, seed)),
              );
            }
          } finally {
            await client.close();
          }
        } finally {
          await s.stop();
        }
      },
    );
  }
});

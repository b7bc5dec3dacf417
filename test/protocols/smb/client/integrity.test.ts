/**
 * Tampering is detected: a proxy between client and smbd flips one byte inside a READ response.
 * A signed session rejects it (bad signature), an encrypted one too (bad tag); either way the
 * call fails, the connection is dropped and the next call reconnects cleanly.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Socket } from "node:net";
import { startSamba, type SambaInstance } from "../../../harness/samba.js";
import { SmbClient, SmbError } from "../../../../src/protocols/smb/index.js";

/** Forwards bytes both ways; when `corruptNext` is set, flips a byte in the next big server frame. */
async function startProxy(target: SambaInstance) {
  const sockets = new Set<Socket>();
  const state = { corruptNext: false, corrupted: 0, clearSigningRequiredInNegotiate: false };
  const server = createServer((client) => {
    const upstream = connect({ host: target.host, port: target.port });
    sockets.add(client);
    sockets.add(upstream);
    client.on("data", (d) => upstream.write(d));
    let pending = Buffer.alloc(0);
    upstream.on("data", (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 4) {
        const len = pending.readUInt32BE(0) & 0xffffff;
        if (pending.length < 4 + len) break;
        const frame = Buffer.from(pending.subarray(0, 4 + len));
        pending = pending.subarray(4 + len);
        // NEGOTIATE response (command 0 at header offset 12): clear SIGNING_REQUIRED (body offset 2)
        if (
          state.clearSigningRequiredInNegotiate &&
          frame.readUInt16LE(4 + 12) === 0 &&
          frame.readUInt32LE(4) === 0x424d53fe
        ) {
          frame[4 + 64 + 2] &= ~0x02;
          state.corrupted++;
        }
        if (state.corruptNext && len > 4096) {
          frame[frame.length - 100] ^= 0x01;
          state.corruptNext = false;
          state.corrupted++;
        }
        client.write(frame);
      }
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as { port: number }).port,
    state,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("tampered responses are rejected", () => {
  test("a downgraded SMB 3.0.2 NEGOTIATE is caught by FSCTL_VALIDATE_NEGOTIATE_INFO", async () => {
    const s = await startSamba({ global: { "server signing": "mandatory" } });
    const proxy = await startProxy(s);
    try {
      const opts = {
        host: "127.0.0.1",
        port: proxy.port,
        domain: s.domain,
        username: s.username,
        password: s.password,
        timeoutMs: 10_000,
        dialects: [0x0300, 0x0302] as (0x0300 | 0x0302)[],
      };
      // untouched: validation passes
      const honest = await SmbClient.connect(opts);
      assert.equal(honest.security!.dialect, 0x0302);
      await honest.tree("share");
      await honest.close();
      // tampered: the session still sets up (3.0.2 has no pre-auth hash) but the first tree connect fails
      proxy.state.clearSigningRequiredInNegotiate = true;
      const fooled = await SmbClient.connect(opts);
      try {
        assert.equal(proxy.state.corrupted, 1);
        await assert.rejects(
          fooled.tree("share"),
          (e: unknown) => e instanceof SmbError && /VALIDATE_NEGOTIATE_INFO mismatch/.test(e.message),
        );
      } finally {
        await fooled.close();
      }
    } finally {
      await proxy.close();
      await s.stop();
    }
  });

  for (const mode of ["signed", "encrypted"] as const) {
    test(`${mode} session`, async () => {
      const s = await startSamba();
      const proxy = await startProxy(s);
      try {
        const client = await SmbClient.connect({
          host: "127.0.0.1",
          port: proxy.port,
          domain: s.domain,
          username: s.username,
          password: s.password,
          encrypt: mode === "encrypted" ? "required" : "auto",
          // smbd does not require signing by default: ask for it (signing "auto" would not sign).
          signing: mode === "signed" ? "required" : "auto",
          timeoutMs: 10_000,
        });
        try {
          assert.equal(client.security!.encrypted, mode === "encrypted");
          const tree = await client.tree("share");
          const data = Buffer.alloc(100_000, 0x5a);
          await tree.writeFile("t.bin", data);
          assert.deepEqual(await tree.readFile("t.bin"), data);

          proxy.state.corruptNext = true;
          await assert.rejects(tree.readFile("t.bin"), (e: unknown) => {
            assert.ok(e instanceof SmbError, String(e));
            assert.match(e.message, mode === "signed" ? /bad signature/ : /bad message|tag|authenticat/i);
            return true;
          });
          assert.equal(proxy.state.corrupted, 1);
          // the poisoned connection is gone; the next call starts a fresh one
          assert.deepEqual(await tree.readFile("t.bin"), data);
        } finally {
          await client.close();
        }
      } finally {
        await proxy.close();
        await s.stop();
      }
    });
  }
});

/**
 * Signing policy, checked on the wire through a forwarding proxy: with signing "auto" (the
 * default) the client signs when the server requires it (server signing = mandatory) and
 * otherwise only TREE_CONNECT; with signing "required" it signs every request on either server
 * and smbd signs every response back.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Socket } from "node:net";
import { startSamba, type SambaInstance } from "../../../harness/samba.js";
import { SmbClient, Dialect } from "../../../../src/protocols/smb/index.js";

const NEGOTIATE = 0;
const SESSION_SETUP = 1;
const LOGOFF = 2;
const TREE_CONNECT = 3;
const READ = 8;
const WRITE = 9;
const ECHO = 13;

interface Seen {
  command: number;
  signed: boolean;
  /** An interim STATUS_PENDING answer (async); smbd never signs those. */
  interim: boolean;
}

/** Splits a direct-TCP byte stream into SMB2 messages (compound parts too) and reports each. */
function tap(onMessage: (m: Seen) => void): (d: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (d) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 4) {
      const len = pending.readUInt32BE(0) & 0xffffff;
      if (pending.length < 4 + len) break;
      const frame = pending.subarray(4, 4 + len);
      pending = pending.subarray(4 + len);
      if (frame.readUInt32LE(0) !== 0x424d53fe) continue; // transform: encrypted, nothing to see
      for (let off = 0; off + 64 <= frame.length;) {
        const flags = frame.readUInt32LE(off + 16);
        const interim = (flags & 0x3) === 0x3 && frame.readUInt32LE(off + 8) === 0x103;
        onMessage({ command: frame.readUInt16LE(off + 12), signed: (flags & 0x8) !== 0, interim });
        const next = frame.readUInt32LE(off + 20);
        if (!next) break;
        off += next;
      }
    }
  };
}

async function startTap(target: SambaInstance) {
  const sockets = new Set<Socket>();
  const requests: Seen[] = [];
  const responses: Seen[] = [];
  const server = createServer((client) => {
    const upstream = connect({ host: target.host, port: target.port });
    sockets.add(client).add(upstream);
    const up = tap((m) => requests.push(m));
    const down = tap((m) => responses.push(m));
    client.on("data", (d: Buffer) => {
      up(d);
      upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      down(d);
      client.write(d);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) s.on("close", close).on("error", close);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as { port: number }).port,
    requests,
    responses,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const cases = [
  { server: "default smbd", global: {}, signing: undefined, expectSigned: false },
  { server: "default smbd", global: {}, signing: "required", expectSigned: true },
  {
    server: "server signing = mandatory",
    global: { "server signing": "mandatory" },
    signing: undefined,
    expectSigned: true,
  },
  {
    server: "server signing = mandatory",
    global: { "server signing": "mandatory" },
    signing: "required",
    expectSigned: true,
  },
] as const;

describe("signing policy on the wire", () => {
  for (const c of cases) {
    for (const dialect of [Dialect.SMB311, Dialect.SMB302, Dialect.SMB210]) {
      test(`${c.server}, signing ${c.signing ?? "auto (default)"}, dialect 0x${dialect.toString(16)}`, async () => {
        const s = await startSamba({ global: c.global });
        const proxy = await startTap(s);
        try {
          const client = await SmbClient.connect({
            host: "127.0.0.1",
            port: proxy.port,
            domain: s.domain,
            username: s.username,
            password: s.password,
            timeoutMs: 10_000,
            dialects: [dialect],
            ...(c.signing ? { signing: c.signing } : {}),
          });
          try {
            assert.equal(client.security!.signing, c.expectSigned);
            const tree = await client.tree("share");
            const data = Buffer.alloc(300_000, 0x33);
            await tree.writeFile("p.bin", data);
            assert.deepEqual(await tree.readFile("p.bin"), data);
            assert.deepEqual((await tree.readSmall("p.bin", 1 << 20)).data, data);
          } finally {
            await client.close();
          }
          // ECHO may go out without a session (asking for credits), so unsigned.
          const afterSetup = (list: Seen[]) =>
            list.filter((m) => m.command !== NEGOTIATE && m.command !== SESSION_SETUP && m.command !== ECHO);
          const reqs = afterSetup(proxy.requests);
          const io = reqs.filter((m) => m.command === READ || m.command === WRITE);
          assert.ok(io.length >= 3, `saw ${io.length} READ/WRITE requests`);
          assert.ok(
            io.every((m) => m.signed === c.expectSigned),
            `READ/WRITE requests signed: ${io.map((m) => m.signed).join(",")}`,
          );
          // TREE_CONNECT is signed under either policy.
          const tcon = reqs.filter((m) => m.command === TREE_CONNECT);
          assert.ok(tcon.length >= 1 && tcon.every((m) => m.signed));
          if (c.expectSigned) {
            assert.ok(
              reqs.every((m) => m.signed),
              "every request after SESSION_SETUP is signed",
            );
            // LOGOFF's answer may leave unsigned: smbd can drop the session's keys first.
            const unsigned = afterSetup(proxy.responses).filter((m) => !m.signed && !m.interim && m.command !== LOGOFF);
            assert.deepEqual(unsigned, [], "every response after SESSION_SETUP is signed");
          }
        } finally {
          await proxy.close();
          await s.stop();
        }
      });
    }
  }
});

/**
 * Clear, classified errors: wrong password, unknown user, guest sessions refused, unknown share,
 * closed port, and per-file statuses.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { spawnSync } from "node:child_process";
import { startSamba, type SambaInstance } from "../../../harness/samba.js";
import { connectClient } from "./smb-test-helpers.js";
import { SmbClient, SmbError, NtStatus } from "../../../../src/protocols/smb/index.js";

function isSmbError(kind: string, statusName?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof SmbError, `expected SmbError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (statusName) assert.equal(e.statusName, statusName);
    return true;
  };
}

describe("SMB client errors against smbd", () => {
  let s: SambaInstance;
  before(async () => {
    s = await startSamba({
      global: { "map to guest": "bad user" },
      shares: { share: {}, guestok: { "guest ok": "yes" } },
    });
  });
  after(async () => {
    await s.stop();
  });

  test("wrong password is an auth error with STATUS_LOGON_FAILURE", async () => {
    await assert.rejects(
      connectClient(s, { password: "not-the-password" }),
      isSmbError("auth", "STATUS_LOGON_FAILURE"),
    );
  });

  test("unknown user mapped to guest by the server is refused unless allowGuest", async () => {
    await assert.rejects(connectClient(s, { username: "nobody-here-" + process.pid, password: "x" }), (e: unknown) => {
      assert.ok(e instanceof SmbError);
      assert.equal(e.kind, "auth");
      assert.match(e.message, /guest/);
      return true;
    });
    const guest = await connectClient(s, { username: "nobody-here-" + process.pid, password: "x", allowGuest: true });
    try {
      assert.equal(guest.security!.signing, false);
      const t = await guest.tree("guestok");
      assert.deepEqual(await t.list(""), []);
    } finally {
      await guest.close();
    }
    // A guest session has no keys: a caller that demands signing gets an auth error, not an unsigned session.
    await assert.rejects(
      connectClient(s, {
        username: "nobody-here-" + process.pid,
        password: "x",
        allowGuest: true,
        signing: "required",
      }),
      (e: unknown) => {
        assert.ok(e instanceof SmbError);
        assert.equal(e.kind, "auth");
        assert.match(e.message, /requires signing/);
        return true;
      },
    );
  });

  test("unknown share is not_found with STATUS_BAD_NETWORK_NAME", async () => {
    const c = await connectClient(s);
    try {
      await assert.rejects(c.tree("no-such-share"), isSmbError("not_found", "STATUS_BAD_NETWORK_NAME"));
      // the session stays usable
      const t = await c.tree("share");
      assert.deepEqual(await t.list(""), []);
    } finally {
      await c.close();
    }
  });

  test("per-file errors are classified", async () => {
    const c = await connectClient(s);
    try {
      const t = await c.tree("share");
      await assert.rejects(t.stat("missing.txt"), isSmbError("not_found", "STATUS_OBJECT_NAME_NOT_FOUND"));
      await assert.rejects(t.stat("missing-dir/x.txt"), isSmbError("not_found", "STATUS_OBJECT_PATH_NOT_FOUND"));
      await t.mkdir("d");
      await assert.rejects(t.mkdir("d"), isSmbError("exists", "STATUS_OBJECT_NAME_COLLISION"));
      await t.writeFile("d/f.txt", "x");
      await assert.rejects(t.rmdir("d"), isSmbError("not_empty", "STATUS_DIRECTORY_NOT_EMPTY"));
      await assert.rejects(t.writeFile("d/f.txt", "y", { disposition: "create" }), isSmbError("exists"));
      await assert.rejects(
        t.unlink("d"),
        (e: unknown) => e instanceof SmbError && e.status === NtStatus.FILE_IS_A_DIRECTORY,
      );
      await assert.rejects(t.stat("bad|name"), isSmbError("invalid_name"));
      const rs = t.createReadStream("nope.bin");
      await assert.rejects(async () => {
        for await (const _ of rs) void _;
      }, isSmbError("not_found"));
    } finally {
      await c.close();
    }
  });

  test(
    "unknown user on a server that never maps to guest is " + "STATUS_LOGON_FAILURE; a disabled account is auth too",
    async () => {
      const strict = await startSamba();
      try {
        await assert.rejects(
          connectClient(strict, { username: "nobody-here-" + process.pid }),
          isSmbError("auth", "STATUS_LOGON_FAILURE"),
        );
        const r = spawnSync("smbpasswd", ["-c", strict.confPath, "-d", strict.username], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        await assert.rejects(connectClient(strict), isSmbError("auth"));
      } finally {
        await strict.stop();
      }
    },
  );

  test("closed port is unreachable", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    await assert.rejects(
      SmbClient.connect({ host: "127.0.0.1", port, username: "u", password: "p", timeoutMs: 3000 }),
      isSmbError("unreachable", "UNREACHABLE"),
    );
  });

  test("a server that accepts but never answers times out as unreachable", async () => {
    const sockets: import("node:net").Socket[] = [];
    const srv = createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      await assert.rejects(
        SmbClient.connect({ host: "127.0.0.1", port, username: "u", password: "p", timeoutMs: 300 }),
        isSmbError("unreachable"),
      );
    } finally {
      for (const so of sockets) so.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  test("unresolvable host is unreachable", async () => {
    await assert.rejects(
      SmbClient.connect({ host: "no-such-host.invalid", username: "u", password: "p", timeoutMs: 5000 }),
      isSmbError("unreachable"),
    );
  });
});

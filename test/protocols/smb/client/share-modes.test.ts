/**
 * Opens with explicit access and share modes, against smbd with two connections (two smbd
 * processes, as two machines would be): a held open is checked against every later open and the
 * other way round; a rename can close a held handle in the same compound; a write stream can be
 * opened (and refused) before any byte is piped, hidden from its creation.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { startSamba, type SambaInstance } from "../../../harness/samba.js";
import { connectClient } from "./smb-test-helpers.js";
import { FileAccess, FileShare, SmbError, type SmbClient, type SmbTree } from "../../../../src/protocols/smb/index.js";

const READ = FileAccess.READ_DATA | FileAccess.READ_ATTRIBUTES | FileAccess.SYNCHRONIZE;
const DELETE = FileAccess.DELETE | FileAccess.READ_ATTRIBUTES | FileAccess.SYNCHRONIZE;

const isKind = (kind: string) => (e: unknown) => e instanceof SmbError && e.kind === kind;

describe("SMB client: share modes, rename closing a held handle, write streams opened first", () => {
  let s: SambaInstance;
  let a: SmbClient;
  let b: SmbClient;
  let ta: SmbTree;
  let tb: SmbTree;
  let dir: string;

  before(async () => {
    s = await startSamba({ global: { "store dos attributes": "yes" }, shares: { share: { "veto files": "/*.tmp/" } } });
    a = await connectClient(s);
    b = await connectClient(s);
    ta = await a.tree("share");
    tb = await b.tree("share");
    dir = s.shares.share!;
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await s?.stop();
  });

  test(
    "open: a held open refuses later opens its share " + "mode does not allow, and is refused by earlier ones",
    async () => {
      await ta.writeFile("held.txt", "content");
      const held = await tb.open("held.txt", { access: READ, share: FileShare.READ });
      try {
        assert.equal(held.info.size, 7);
        assert.ok(held.info.fileId > 0n, "the on-disk file id from QFid");
        assert.equal(held.info.fileId, BigInt(statSync(join(dir, "held.txt")).ino));
        await assert.rejects(
          ta.open("held.txt", { access: DELETE, share: FileShare.ALL }),
          isKind("sharing_violation"),
        );
        await assert.rejects(
          ta.open("held.txt", { access: READ | FileAccess.WRITE_DATA, share: FileShare.ALL }),
          isKind("sharing_violation"),
        );
        const reader = await ta.open("held.txt", { access: READ, share: FileShare.ALL });
        await reader.close();
      } finally {
        await held.close();
      }
      const guard = await ta.open("held.txt", { access: DELETE, share: FileShare.ALL });
      try {
        // A later open that does not share delete is refused while the DELETE handle is held.
        await assert.rejects(
          tb.open("held.txt", { access: READ, share: FileShare.READ | FileShare.WRITE }),
          isKind("sharing_violation"),
        );
      } finally {
        await guard.close();
        await guard.close();
      }
      await assert.rejects(ta.open("missing.txt", { access: READ, share: FileShare.ALL }), isKind("not_found"));
      await ta.mkdir("folder");
      await assert.rejects(
        ta.open("folder", { access: READ, share: FileShare.ALL, directory: false }),
        (e: unknown) => e instanceof SmbError && e.statusName === "STATUS_FILE_IS_A_DIRECTORY",
      );
    },
  );

  test("rename with closeFirst: the held target is closed in the same compound and replaced", async () => {
    await ta.writeFile("target.txt", "old");
    await ta.writeFile("new.txt", "new");
    const guard = await ta.open("target.txt", { access: DELETE, share: FileShare.ALL });
    // Samba refuses to rename over a file the renaming session holds open.
    await assert.rejects(ta.rename("new.txt", "target.txt", { replace: true }), isKind("access_denied"));
    await ta.rename("new.txt", "target.txt", { replace: true, closeFirst: guard });
    assert.ok(guard.isClosed);
    assert.equal(readFileSync(join(dir, "target.txt"), "utf8"), "new");
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith("new")),
      [],
    );
    // A failed rename still closes the handle.
    const again = await ta.open("target.txt", { access: DELETE, share: FileShare.ALL });
    await assert.rejects(
      ta.rename("absent.txt", "target.txt", { replace: true, closeFirst: again }),
      isKind("not_found"),
    );
    assert.ok(again.isClosed);
    const free = await tb.open("target.txt", { access: READ, share: FileShare.READ });
    await free.close();
  });

  test(
    "openWriteStream: the CREATE is answered first (a vetoed " + "name rejects before any byte); hidden from creation",
    async () => {
      await assert.rejects(
        ta.openWriteStream("refused.tmp", { disposition: "create" }),
        (e: unknown) => e instanceof SmbError && e.statusName === "STATUS_OBJECT_NAME_NOT_FOUND",
      );
      await assert.rejects(
        ta.openWriteStream("no-such-folder/x.txt", { disposition: "create" }),
        (e: unknown) => e instanceof SmbError && e.statusName === "STATUS_OBJECT_PATH_NOT_FOUND",
      );
      const ws = await ta.openWriteStream("hidden.bin", { disposition: "create", hidden: true });
      assert.equal((await ta.stat("hidden.bin")).attributes.hidden, true, "hidden while being written");
      await new Promise<void>((resolve, reject) =>
        ws.end(Buffer.from("payload"), () => resolve()).once("error", reject),
      );
      assert.equal(readFileSync(join(dir, "hidden.bin"), "utf8"), "payload");
      await assert.rejects(ta.openWriteStream("hidden.bin", { disposition: "create" }), isKind("exists"));
      const plain = await ta.openWriteStream("plain.bin", { disposition: "create" });
      plain.destroy();
      await new Promise((r) => plain.once("close", r));
      assert.equal((await ta.stat("plain.bin")).attributes.hidden, false);
    },
  );
});

/**
 * Two engine fixes found by the SharePoint end-to-end tests: (1) a transfer whose source lists a
 * hash the source remote can compute while streaming is verified against that hash instead of a
 * re-stat (one request per file less on Graph), a mismatch being `changed_during_transfer`; (2) a
 * backslash is an ordinary name character (never turned into a path separator), so a remote that
 * refuses it reports a per-file `invalid_name` and nothing lands at a split path.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openEngineFixture, type EngineFixture } from "./helpers/engine-fixture.js";
import { decorateRemote } from "./helpers/remote-decorator.js";
import { transferFile } from "../../src/sync/content-transfer.js";
import { normalizeRelPath, type Remote, type RemoteEntry } from "../../src/sync/remote.js";
import { RemoteError, isRemoteError } from "../../src/sync/remote-errors.js";
import { QuickXorHash, quickXorHashOf } from "../../src/connectors/sharepoint/quick-xor-hash.js";

/** The source as a remote that lists quickXorHash and can compute it (as SharePoint does); counts stats. */
function hashingSource(inner: Remote, stats: { n: number }): Remote {
  return decorateRemote(inner, {
    capabilities: { ...inner.capabilities, hashes: ["quickXorHash"] },
    contentHasher: (alg: string) => {
      if (alg !== "quickXorHash") return undefined;
      const h = new QuickXorHash();
      return { update: (c: Uint8Array) => void h.update(c), digest: () => h.digestBase64() };
    },
    stat: async (path: string) => {
      stats.n++;
      return inner.stat(path);
    },
  });
}

describe("engine: streamed hash verification and backslash names", () => {
  let e: EngineFixture;
  before(async () => {
    e = await openEngineFixture();
  });
  after(async () => e.close());

  test("a listed hash the source can compute replaces the re-stat; a mismatch commits nothing", async () => {
    const p = await e.newPair();
    await p.writeA("doc.bin", "listed content");
    const from = await e.fx.remoteFor(p.shareA, "/remote root");
    const to = await e.fx.remoteFor(p.shareB, "/dest");
    await to.ensureRoot();
    const stats = { n: 0 };
    const src = hashingSource(from, stats);
    const listed: RemoteEntry = {
      ...(await from.stat("doc.bin")),
      hashes: { quickXorHash: quickXorHashOf("listed content") },
    };
    stats.n = 0;
    const signal = new AbortController().signal;
    const ok = await transferFile(src, to, listed, "doc.bin", { ifMatchFingerprint: null, signal, onBytes: () => {} });
    assert.equal(ok.bytes, "listed content".length);
    assert.equal(stats.n, 0, "no re-stat when the listed hash verifies the bytes");
    assert.equal((await to.stat("doc.bin")).size, "listed content".length);

    const stale: RemoteEntry = { ...listed, hashes: { quickXorHash: quickXorHashOf("other content!") } };
    await assert.rejects(
      transferFile(src, to, stale, "copy.bin", { ifMatchFingerprint: null, signal, onBytes: () => {} }),
      (err: unknown) => isRemoteError(err, "changed_during_transfer") && /quickXorHash/.test((err as Error).message),
    );
    await assert.rejects(to.stat("copy.bin"), (err: unknown) => isRemoteError(err, "not_found"));

    const plain = { ...listed, hashes: undefined };
    await transferFile(src, to, plain, "plain.bin", { ifMatchFingerprint: null, signal, onBytes: () => {} });
    assert.equal(stats.n, 1, "an entry without a listed hash is re-stat'ed");
    await from.close();
    await to.close();
  });

  test("normalizeRelPath keeps a backslash inside a name", () => {
    assert.equal(normalizeRelPath("a\\b.txt"), "a\\b.txt");
    assert.equal(normalizeRelPath("/dir//x\\y/z.txt/"), "dir/x\\y/z.txt");
    assert.throws(() => normalizeRelPath("a/../../b"));
  });

  test(
    "a ScaiDrive name with a backslash is a per-file invalid_name " +
      "where the remote refuses it, every run, never a split path",
    async () => {
      const p = await e.newPair();
      await p.writeB("fine.txt", "fine");
      await p.writeB("a\\b.txt", "backslash");
      let refused = 0;
      e.decorate.fn = (inner) =>
        decorateRemote(inner, {
          write: async (path, source, options) => {
            if (path.includes("\\")) {
              refused++;
              source.destroy();
              throw new RemoteError("invalid_name", `names cannot contain the character \\ (${path})`, { path });
            }
            return inner.write(path, source, options);
          },
        });
      try {
        for (const run of [1, 2]) {
          const job = await p.sync();
          assert.equal(job.status, "completed", JSON.stringify(job.error));
          assert.equal(job.error_count, 1, `run ${run}`);
          const errors = (await e.stores.jobs.entries(job.id)).filter((x) => x.result === "error");
          assert.equal(errors.length, 1);
          assert.equal(errors[0]!.path, "a\\b.txt");
          assert.equal((errors[0]!.error as { code: string }).code, "invalid_name");
          assert.equal(refused, run, "one attempt per run: no retry loop");
        }
        assert.deepEqual(await p.treeA(), { "fine.txt": "fine" });
        assert.deepEqual(await p.treeB(), { "fine.txt": "fine", "a\\b.txt": "backslash" });
      } finally {
        e.decorate.fn = undefined;
      }
    },
  );
});

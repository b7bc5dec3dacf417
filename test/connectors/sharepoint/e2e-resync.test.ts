/**
 * SharePoint sync costs and failure behaviour end to end, checked with the emulator's request
 * counters: SharePoint naming rules as per-file errors without a retry loop, the eTag/cTag skip
 * of an unchanged resync (one delta request), a 410 expired delta token (full re-enumeration
 * without re-downloading), 429 throttling on 20 % of requests, and throttling that never stops
 * (the pacer's budget, once).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  control,
  count,
  counters,
  entriesOf,
  newConnector,
  newShare,
  put,
  resetCounters,
  spText,
  startE2E,
  sync,
  type E2E,
} from "./e2e-kit.js";

let e: E2E;

before(async () => {
  e = await startE2E();
});

after(async () => {
  await e?.close();
});

/** Graph writes (the token endpoint is Entra, not Graph). */
const WRITES = /^(POST|PUT|PATCH|DELETE) (?!.*oauth2)/;
const DELTA = /^GET .*\/delta/;
const DOWNLOADS = /download|\/content$/;

async function folderWith(prefix: string, files: number): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  await control(e.emu, "content/folders", { path: name });
  for (let i = 0; i < files; i++)
    await control(e.emu, "content/files", { path: `${name}/sub/f${i}.txt`, content: `file ${i}` });
  return name;
}

describe("SharePoint naming rules", () => {
  test(
    "every rule hit by a ScaiDrive name is a per-file " + "error naming it; a second run makes no Graph write",
    async () => {
      const base = `names-${randomBytes(4).toString("hex")}`;
      await control(e.emu, "content/folders", { path: base });
      const share = await newShare(e);
      const id = await newConnector(e, share, base, { sync_direction: "scaidrive_to_sharepoint" });
      const deep = Array.from({ length: 5 }, (_, i) => `${String(i).repeat(90)}`).join("/");
      const bad: Array<[string, RegExp]> = [
        ['quote".txt', /character "/],
        ["star*.txt", /character \*/],
        ["colon:.txt", /character :/],
        ["less<.txt", /character </],
        ["more>.txt", /character >/],
        ["ask?.txt", /character \?/],
        ["pipe|.txt", /character \|/],
        ["back\\slash.txt", /character \\/],
        [" leading.txt", /begin or end with a space/],
        ["trailing.txt ", /begin or end with a space/],
        [".lock", /reserved name/],
        ["CON.txt", /reserved name/],
        ["nul", /reserved name/],
        ["com1.docx", /reserved name/],
        ["LPT9", /reserved name/],
        ["a_vti_b.txt", /_vti_/],
        [`${deep}/long.txt`, /path too long/],
      ];
      for (const [name] of bad) await put(e, share, `/From SharePoint/${name}`, "x");
      await put(e, share, "/From SharePoint/fine.txt", "fine");
      await put(e, share, "/From SharePoint/Twin.txt", "upper");
      await put(e, share, "/From SharePoint/twin.txt", "lower");

      const first = await sync(e, id);
      assert.equal(first.status, "completed", JSON.stringify(first.error));
      const errors = entriesOf(first).filter((x) => x.result === "error");
      for (const [name, rule] of bad) {
        const hit = errors.find((x) => x.path === name || x.path.endsWith(name));
        assert.ok(hit, `no error for ${name}: ${JSON.stringify(errors)}`);
        assert.equal(hit.error.code !== undefined, true);
        assert.match(hit.error.message, rule, name);
      }
      const twins = errors.filter((x) => /twin\.txt$/i.test(x.path));
      assert.equal(twins.length, 2, `case-only twins: ${JSON.stringify(errors)}`);
      assert.ok(first.error_count >= bad.length + 2);
      assert.equal(await spText(e, `${base}/fine.txt`), "fine");

      await resetCounters(e);
      const second = await sync(e, id);
      assert.equal(second.status, "completed");
      assert.equal(second.error_count, first.error_count);
      const c = await counters(e);
      assert.equal(count(c, WRITES), 0, `no Graph writes on the second run: ${JSON.stringify(c)}`);
    },
  );

  test('"forms" is refused at the library root only', async () => {
    const share = await newShare(e);
    const sub = `forms-${randomBytes(4).toString("hex")}`;
    await control(e.emu, "content/folders", { path: sub });
    const id = await newConnector(e, share, sub, { sync_direction: "scaidrive_to_sharepoint" });
    await put(e, share, "/From SharePoint/forms/inside.txt", "allowed below the root");
    const job = await sync(e, id);
    assert.equal(job.status, "completed");
    assert.equal(job.error_count, 0, JSON.stringify(entriesOf(job)));
    assert.equal(await spText(e, `${sub}/forms/inside.txt`), "allowed below the root");

    const rootShare = await newShare(e);
    const rootId = await newConnector(e, rootShare, "", { sync_direction: "bidirectional" });
    await put(e, rootShare, "/From SharePoint/Forms/x.txt", "refused");
    const rootJob = await sync(e, rootId);
    assert.equal(rootJob.status, "completed");
    const hit = entriesOf(rootJob).find((x) => x.result === "error" && /^Forms/.test(x.path));
    assert.ok(hit, JSON.stringify(entriesOf(rootJob).filter((x) => x.result === "error")));
    assert.match(hit.error.message, /"forms" is reserved at the root/);
  });
});

describe("SharePoint resync costs", () => {
  test("an unchanged resync costs exactly one delta request and counts the skipped files", async () => {
    const base = await folderWith("noop", 6);
    const share = await newShare(e);
    const id = await newConnector(e, share, base);
    const first = await sync(e, id);
    assert.equal(first.status, "completed");
    assert.equal(first.files_synced, 6);
    await resetCounters(e);
    const again = await sync(e, id);
    assert.equal(again.status, "completed");
    assert.equal(again.files_scanned, 6, "the eTag-skipped files are counted as scanned");
    assert.equal(again.files_synced, 0);
    const c = await counters(e);
    assert.equal(count(c, DELTA), 1, JSON.stringify(c));
    assert.equal(count(c, DOWNLOADS), 0, JSON.stringify(c));
    assert.equal(count(c, WRITES), 0, JSON.stringify(c));
  });

  test("a 410 expired delta token re-enumerates without re-downloading unchanged files", async () => {
    const base = await folderWith("gone", 5);
    const share = await newShare(e);
    const id = await newConnector(e, share, base);
    assert.equal((await sync(e, id)).status, "completed");
    await control(e.emu, "content/files", { path: `${base}/sub/f0.txt`, content: "changed while the token expired" });
    await control(e.emu, "delta/expire", {});
    await resetCounters(e);
    const job = await sync(e, id);
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(job.error_count, 0);
    assert.equal(job.files_synced, 1, "only the changed file is copied");
    const c = await counters(e);
    assert.ok(count(c, DELTA) >= 2, `the 410 and a fresh enumeration: ${JSON.stringify(c)}`);
    assert.equal(count(c, DOWNLOADS), 1, `one download, for the changed file: ${JSON.stringify(c)}`);
    await resetCounters(e);
    const after410 = await sync(e, id);
    assert.equal(after410.files_synced, 0);
    assert.equal(count(await counters(e), DELTA), 1, "the new token is stored");
  });

  test("429 on 20 % of Graph requests: the job still completes with everything copied", async () => {
    const base = await folderWith("throttle", 8);
    const share = await newShare(e);
    const id = await newConnector(e, share, base, { sync_direction: "bidirectional" });
    for (let i = 0; i < 3; i++) await put(e, share, `/From SharePoint/up/u${i}.txt`, `upload ${i}`);
    // The first request is always throttled, so the run meets at least one 429 whatever the draw; then 20 % at random.
    const first = await control<{ id: string }>(e.emu, "faults", {
      kind: "429",
      count: 1,
      retryAfterSec: 1,
      path: "^(?!.*oauth2)",
    });
    const rule = await control<{ id: string }>(e.emu, "faults", {
      kind: "429",
      fraction: 0.2,
      retryAfterSec: 1,
      path: "^(?!.*oauth2)",
    });
    try {
      await resetCounters(e);
      const job = await sync(e, id);
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(job.error_count, 0, JSON.stringify(entriesOf(job).filter((x) => x.result === "error")));
      assert.equal(job.files_synced, 11);
      const faults = await control<any>(e.emu, "faults", undefined, "GET");
      const fired = (Array.isArray(faults) ? faults : (faults.value ?? [])).reduce(
        (n: number, f: any) => n + (f.fired ?? 0),
        0,
      );
      assert.ok(fired > 0, `some requests were throttled: ${JSON.stringify(faults)}`);
    } finally {
      await control(e.emu, `faults/${first.id}`, undefined, "DELETE");
      await control(e.emu, `faults/${rule.id}`, undefined, "DELETE");
    }
    for (let i = 0; i < 3; i++) assert.equal(await spText(e, `${base}/up/u${i}.txt`), `upload ${i}`);
  });

  test(
    "a download throttled without end: sent the pacer's 8 attempts in all " +
      "(the engine's retries do not multiply them), then the job fails",
    async () => {
      const base = await folderWith("throttled-for-good", 1);
      const share = await newShare(e);
      const id = await newConnector(e, share, base);
      const rule = await control<{ id: string }>(e.emu, "faults", {
        kind: "429",
        method: "GET",
        retryAfterSec: 0,
        path: "^/_download/|/content$",
      });
      try {
        const job = await sync(e, id);
        assert.equal(job.status, "failed");
        assert.equal(job.error?.code, "CONNECTOR_UNREACHABLE");
        assert.match(job.error.message, /gave up after 8 attempts/);
        const faults = await control<{ value: Array<{ id: string; fired: number }> }>(
          e.emu,
          "faults",
          undefined,
          "GET",
        );
        assert.equal(
          faults.value.find((f) => f.id === rule.id)?.fired,
          8,
          "one file, one budget: not 8 × the engine's 3 attempts",
        );
      } finally {
        await control(e.emu, `faults/${rule.id}`, undefined, "DELETE");
      }
      const again = await sync(e, id);
      assert.equal(again.status, "completed", JSON.stringify(again.error));
      assert.equal(again.files_synced, 1);
    },
  );
});

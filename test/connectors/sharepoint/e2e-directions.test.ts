/**
 * Each sync direction and each conflict strategy end to end (ScaiDrive REST API ↔ engine ↔
 * SharePoint adapter ↔ Graph emulator), with edits, deletes, renames and moves on both sides.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  content,
  control,
  entriesOf,
  expectStatus,
  newConnector,
  newShare,
  put,
  spText,
  startE2E,
  stat,
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

const R = "/From SharePoint";

/** A library folder with a.txt, b.txt, c.txt, d.txt and docs/e.txt, synced once into a new share. */
async function setup(direction: string, extra: Record<string, unknown> = {}) {
  const base = `dir-${randomBytes(4).toString("hex")}`;
  for (const n of ["a", "b", "c", "d"])
    await control(e.emu, "content/files", { path: `${base}/${n}.txt`, content: `${n} original` });
  await control(e.emu, "content/files", { path: `${base}/docs/e.txt`, content: "e original" });
  const share = await newShare(e);
  // The first run fills ScaiDrive from SharePoint whatever the direction (one-way to SharePoint from an empty side
  // would be a mass delete).
  const id = await newConnector(e, share, base, { sync_direction: "sharepoint_to_scaidrive", ...extra });
  const first = await sync(e, id);
  assert.equal(first.status, "completed", JSON.stringify(first.error));
  expectStatus(
    await e.api("PATCH", `/api/v1/sharepoint-connectors/${id}`, { json: { sync_direction: direction } }),
    200,
    "set direction",
  );
  return { base, share, id };
}

async function gone(share: string, path: string): Promise<boolean> {
  return (await stat(e, share, path)).status === 404;
}

describe("SharePoint sync directions", () => {
  test(
    "sharepoint_to_scaidrive: SharePoint edits, deletes, " +
      "renames and moves arrive; ScaiDrive edits are overwritten",
    async () => {
      const { base, share, id } = await setup("sharepoint_to_scaidrive");
      const before = expectStatus(await stat(e, share, `${R}/c.txt`), 200, "stat c");
      await control(e.emu, "content/files", { path: `${base}/a.txt`, content: "a from sharepoint" });
      await control(e.emu, "content/delete", { path: `${base}/b.txt` });
      await control(e.emu, "content/move", { path: `${base}/c.txt`, to: `${base}/c-renamed.txt` });
      await control(e.emu, "content/move", { path: `${base}/docs/e.txt`, to: `${base}/e-moved.txt` });
      await put(e, share, `${R}/d.txt`, "d edited in scaidrive");
      const job = await sync(e, id);
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(job.error_count, 0, JSON.stringify(entriesOf(job)));
      assert.equal(await content(e, share, `${R}/a.txt`), "a from sharepoint");
      assert.ok(await gone(share, `${R}/b.txt`));
      assert.ok(await gone(share, `${R}/c.txt`));
      const renamed = expectStatus(await stat(e, share, `${R}/c-renamed.txt`), 200, "renamed");
      assert.equal(renamed.id, before.id, "a rename is a move in ScaiDrive (same node)");
      assert.equal(await content(e, share, `${R}/e-moved.txt`), "e original");
      assert.equal(await content(e, share, `${R}/d.txt`), "d original", "SharePoint is authoritative");
      assert.equal(await spText(e, `${base}/d.txt`), "d original");
    },
  );

  test("a file moved out of the base folder in SharePoint (reported by id) is removed from ScaiDrive", async () => {
    const { base, share, id } = await setup("sharepoint_to_scaidrive");
    // Outside the base: a sibling folder, and a change there that was never synced.
    await control(e.emu, "content/files", { path: `${base}-elsewhere/unrelated.txt`, content: "never synced" });
    await control(e.emu, "content/move", { path: `${base}/b.txt`, to: `${base}-elsewhere/b.txt` });
    await control(e.emu, "content/move", { path: `${base}/docs/e.txt`, to: `${base}-elsewhere/e.txt` });
    const job = await sync(e, id);
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(job.error_count, 0, JSON.stringify(entriesOf(job)));
    assert.ok(await gone(share, `${R}/b.txt`), "moved out → deleted");
    assert.ok(await gone(share, `${R}/docs/e.txt`), "moved out of a subfolder → deleted");
    for (const n of ["a", "c", "d"]) assert.equal(await content(e, share, `${R}/${n}.txt`), `${n} original`);
    expectStatus(await stat(e, share, `${R}/docs`), 200, "the emptied folder stays");
    assert.ok(await gone(share, `${R}/unrelated.txt`));
  });

  test(
    "scaidrive_to_sharepoint: ScaiDrive edits, deletes, renames " +
      "and moves arrive; SharePoint edits are overwritten",
    async () => {
      const { base, share, id } = await setup("scaidrive_to_sharepoint");
      await put(e, share, `${R}/a.txt`, "a from scaidrive");
      expectStatus(
        await e.api("DELETE", `/api/v1/shares/${share}/files?path=${encodeURIComponent(`${R}/b.txt`)}`),
        204,
        "delete b",
      );
      expectStatus(
        await e.api("POST", `/api/v1/shares/${share}/move`, { json: { from: `${R}/c.txt`, to: `${R}/c-renamed.txt` } }),
        200,
        "rename c",
      );
      expectStatus(
        await e.api("POST", `/api/v1/shares/${share}/move`, {
          json: { from: `${R}/docs/e.txt`, to: `${R}/e-moved.txt` },
        }),
        200,
        "move e",
      );
      await put(e, share, `${R}/new.txt`, "new in scaidrive");
      await control(e.emu, "content/files", { path: `${base}/d.txt`, content: "d edited in sharepoint" });
      const job = await sync(e, id);
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(job.error_count, 0, JSON.stringify(entriesOf(job)));
      assert.equal(await spText(e, `${base}/a.txt`), "a from scaidrive");
      assert.equal(await spText(e, `${base}/b.txt`), undefined);
      assert.equal(await spText(e, `${base}/c.txt`), undefined);
      assert.equal(await spText(e, `${base}/c-renamed.txt`), "c original");
      assert.equal(await spText(e, `${base}/e-moved.txt`), "e original");
      assert.equal(await spText(e, `${base}/new.txt`), "new in scaidrive");
      assert.equal(await spText(e, `${base}/d.txt`), "d original", "ScaiDrive is authoritative");
    },
  );

  test("bidirectional: changes on each side reach the other", async () => {
    const { base, share, id } = await setup("bidirectional");
    await control(e.emu, "content/files", { path: `${base}/a.txt`, content: "a from sharepoint" });
    await put(e, share, `${R}/b.txt`, "b from scaidrive");
    await control(e.emu, "content/move", { path: `${base}/c.txt`, to: `${base}/docs/c-moved.txt` });
    expectStatus(
      await e.api("POST", `/api/v1/shares/${share}/move`, { json: { from: `${R}/d.txt`, to: `${R}/d-renamed.txt` } }),
      200,
      "rename d",
    );
    expectStatus(
      await e.api("DELETE", `/api/v1/shares/${share}/files?path=${encodeURIComponent(`${R}/docs/e.txt`)}`),
      204,
      "delete e",
    );
    await control(e.emu, "content/files", { path: `${base}/sp-new.txt`, content: "new in sharepoint" });
    await put(e, share, `${R}/sd-new.txt`, "new in scaidrive");
    const job = await sync(e, id);
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(job.error_count, 0, JSON.stringify(entriesOf(job)));
    assert.equal(await content(e, share, `${R}/a.txt`), "a from sharepoint");
    assert.equal(await spText(e, `${base}/b.txt`), "b from scaidrive");
    assert.equal(await content(e, share, `${R}/docs/c-moved.txt`), "c original");
    assert.ok(await gone(share, `${R}/c.txt`));
    assert.equal(await spText(e, `${base}/d-renamed.txt`), "d original");
    assert.equal(await spText(e, `${base}/d.txt`), undefined);
    assert.equal(await spText(e, `${base}/docs/e.txt`), undefined);
    assert.equal(await content(e, share, `${R}/sp-new.txt`), "new in sharepoint");
    assert.equal(await spText(e, `${base}/sd-new.txt`), "new in scaidrive");

    const again = await sync(e, id);
    assert.equal(again.status, "completed");
    assert.equal(again.files_synced, 0, "what a run wrote does not come back as a change (no resync loop)");
  });
});

describe("SharePoint conflict strategies (both sides edited)", () => {
  async function conflict(strategy: string) {
    const s = await setup("bidirectional", { conflict_resolution: strategy });
    await put(e, s.share, `${R}/a.txt`, "a from scaidrive");
    await control(e.emu, "content/files", { path: `${s.base}/a.txt`, content: "a from sharepoint" });
    const job = await sync(e, s.id);
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(job.error_count, 0, JSON.stringify(entriesOf(job)));
    return s;
  }

  test("SHAREPOINT_WINS keeps SharePoint's content on both sides", async () => {
    const { base, share } = await conflict("SHAREPOINT_WINS");
    assert.equal(await content(e, share, `${R}/a.txt`), "a from sharepoint");
    assert.equal(await spText(e, `${base}/a.txt`), "a from sharepoint");
  });

  test("SCAIDRIVE_WINS keeps ScaiDrive's content on both sides", async () => {
    const { base, share } = await conflict("SCAIDRIVE_WINS");
    assert.equal(await content(e, share, `${R}/a.txt`), "a from scaidrive");
    assert.equal(await spText(e, `${base}/a.txt`), "a from scaidrive");
  });

  test("KEEP_BOTH renames the ScaiDrive copy with a (conflict) suffix on both sides", async () => {
    const { base, share } = await conflict("KEEP_BOTH");
    assert.equal(await content(e, share, `${R}/a.txt`), "a from sharepoint");
    assert.equal(await content(e, share, `${R}/a (conflict).txt`), "a from scaidrive");
    assert.equal(await spText(e, `${base}/a.txt`), "a from sharepoint");
    assert.equal(await spText(e, `${base}/a (conflict).txt`), "a from scaidrive");
  });

  test("LAST_WRITER_WINS keeps the newer edit", async () => {
    const s = await setup("bidirectional", { conflict_resolution: "LAST_WRITER_WINS" });
    await put(e, s.share, `${R}/a.txt`, "a from scaidrive (older)");
    // SharePoint times have second precision: make the SharePoint edit clearly later.
    await new Promise((r) => setTimeout(r, 1100));
    await control(e.emu, "content/files", { path: `${s.base}/a.txt`, content: "a from sharepoint (newer)" });
    const job = await sync(e, s.id);
    assert.equal(job.status, "completed");
    assert.equal(await content(e, s.share, `${R}/a.txt`), "a from sharepoint (newer)");
    assert.equal(await spText(e, `${s.base}/a.txt`), "a from sharepoint (newer)");
  });
});

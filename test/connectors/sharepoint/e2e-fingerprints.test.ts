/**
 * Change detection on SharePoint as real delta reports it: no cTag in delta pages, deleted items
 * without a name, parents sent along with their children. Renames, moves, column edits and
 * permission changes (all of which move the eTag) must not look like content changes, whatever
 * listing — delta, a stat or an upload's answer — recorded the base; proved with the emulator's
 * request counters (no download, no Graph write) and the job's transfer counters.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  content,
  control,
  count,
  counters,
  entriesOf,
  newConnector,
  newShare,
  put,
  resetCounters,
  stat,
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

const WRITES = /^(POST|PUT|PATCH|DELETE) (?!.*oauth2)/;
const DOWNLOADS = /download|\/content$/;

function noErrors(job: any, what: string): void {
  assert.equal(job.status, "completed", `${what}: ${JSON.stringify(job.error)}`);
  assert.equal(job.error_count, 0, `${what}: ${JSON.stringify(entriesOf(job).filter((x) => x.result === "error"))}`);
}

describe("SharePoint change detection without cTag in delta", () => {
  test("renames, moves, column, permission, check-out edits: runs download and transfer nothing", async () => {
    const base = `fp-${randomBytes(4).toString("hex")}`;
    for (const f of ["a.txt", "b.docx", "c.txt", "d.txt", "sub/e.txt", "sub/deeper/f.txt"])
      await control(e.emu, "content/files", { path: `${base}/${f}`, content: `content of ${f}` });
    const share = await newShare(e);
    const id = await newConnector(e, share, base, { sync_direction: "bidirectional" });
    const first = await sync(e, id);
    noErrors(first, "first run");
    assert.equal(first.files_synced, 6);
    // A file that ScaiDrive pushes: its base fingerprint comes from the upload's answer (which has
    // a cTag), the next delta reports it without one.
    await put(e, share, "/From SharePoint/pushed.txt", "written in ScaiDrive");
    noErrors(await sync(e, id), "push run");

    await control(e.emu, "content/move", { path: `${base}/a.txt`, to: `${base}/a renamed.txt` });
    await control(e.emu, "content/move", { path: `${base}/sub`, to: `${base}/moved/sub` });
    await control(e.emu, "content/fields", { path: `${base}/b.docx`, fields: { Title: "A title" } });
    await control(e.emu, "content/permissions", {
      path: `${base}/c.txt`,
      grants: [{ user: "alice@contoso.onmicrosoft.com", roles: ["read"] }],
    });
    await control(e.emu, "content/checkout", { path: `${base}/d.txt`, user: "bob@contoso.onmicrosoft.com" });
    await control(e.emu, "content/checkin", { path: `${base}/d.txt` });
    await control(e.emu, "content/move", { path: `${base}/pushed.txt`, to: `${base}/pushed renamed.txt` });

    await resetCounters(e);
    const afterEdits = await sync(e, id);
    noErrors(afterEdits, "run after the edits");
    let c = await counters(e);
    assert.equal(count(c, DOWNLOADS), 0, `renames and metadata edits download nothing: ${JSON.stringify(c)}`);
    assert.equal(count(c, WRITES), 0, `and write nothing to SharePoint: ${JSON.stringify(c)}`);
    assert.equal(afterEdits.bytes_transferred, 0);
    assert.equal(await content(e, share, "/From SharePoint/a renamed.txt"), "content of a.txt");
    assert.equal(await content(e, share, "/From SharePoint/moved/sub/deeper/f.txt"), "content of sub/deeper/f.txt");
    assert.equal(await content(e, share, "/From SharePoint/pushed renamed.txt"), "written in ScaiDrive");
    assert.equal((await stat(e, share, "/From SharePoint/a.txt")).status, 404);

    await resetCounters(e);
    const noop = await sync(e, id);
    noErrors(noop, "no-op resync");
    c = await counters(e);
    assert.equal(noop.files_synced, 0);
    assert.equal(noop.bytes_transferred, 0);
    assert.equal(count(c, DOWNLOADS), 0, JSON.stringify(c));
    assert.equal(count(c, WRITES), 0, JSON.stringify(c));

    // A content change is still seen, through delta alone.
    await control(e.emu, "content/files", { path: `${base}/b.docx`, content: "new content of b" });
    await resetCounters(e);
    const edited = await sync(e, id);
    noErrors(edited, "run after a content change");
    assert.equal(edited.files_synced, 1);
    assert.equal(await content(e, share, "/From SharePoint/b.docx"), "new content of b");
    assert.equal(count(await counters(e), DOWNLOADS), 1);
  });

  test("a fresh enumeration after an expired token keeps every fingerprint: nothing downloaded", async () => {
    const base = `fp-walk-${randomBytes(4).toString("hex")}`;
    for (let i = 0; i < 4; i++)
      await control(e.emu, "content/files", { path: `${base}/w${i}.txt`, content: `walk ${i}` });
    const share = await newShare(e);
    const id = await newConnector(e, share, base);
    noErrors(await sync(e, id), "first run");
    await control(e.emu, "content/fields", { path: `${base}/w1.txt`, fields: { Title: "edited" } });
    noErrors(await sync(e, id), "delta run");
    await control(e.emu, "delta/expire", {});
    await resetCounters(e);
    const job = await sync(e, id);
    noErrors(job, "run after the token expired");
    assert.equal(job.files_synced, 0);
    assert.equal(count(await counters(e), DOWNLOADS), 0, "fingerprints of both enumerations agree");
  });

  test("a deletion reported by id only (no name) removes the file; its folder arrives as a parent", async () => {
    const base = `fp-del-${randomBytes(4).toString("hex")}`;
    await control(e.emu, "content/files", { path: `${base}/keep/x.txt`, content: "x" });
    await control(e.emu, "content/files", { path: `${base}/keep/y.txt`, content: "y" });
    const share = await newShare(e);
    const id = await newConnector(e, share, base);
    noErrors(await sync(e, id), "first run");
    await control(e.emu, "content/delete", { path: `${base}/keep/x.txt` });
    await resetCounters(e);
    const job = await sync(e, id);
    noErrors(job, "run after the deletion");
    assert.equal((await stat(e, share, "/From SharePoint/keep/x.txt")).status, 404, "deleted by id");
    assert.equal(await content(e, share, "/From SharePoint/keep/y.txt"), "y", "the sibling stays");
    assert.equal(count(await counters(e), DOWNLOADS), 0);
  });
});

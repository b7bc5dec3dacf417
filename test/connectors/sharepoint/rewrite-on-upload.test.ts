/**
 * SharePoint rewrites some uploaded files (property promotion of Office documents and PDFs), so
 * what it stores differs from what the connector sent. The emulator does the same when told to
 * (`POST /_emulator/rewrite-on-upload`). The base takes what SharePoint returned from the upload,
 * so the rewrite is not seen as a SharePoint-side edit: the next runs transfer nothing in either
 * direction, and ScaiDrive keeps the user's bytes (see src/sync/README.md, "Remotes that rewrite
 * uploads").
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
  spText,
  startE2E,
  sync,
  type E2E,
} from "./e2e-kit.js";
import { PROMOTED_PROPERTIES_SUFFIX } from "../../emulators/graph/content/property-promotion.js";

const WRITES = /^(POST|PUT|PATCH|DELETE) (?!.*oauth2)/;
const DOWNLOADS = /^GET .*(_download|\/content$)/;

describe("SharePoint rewriting uploaded Office/PDF files", () => {
  let e: E2E;
  before(async () => {
    e = await startE2E();
  });
  after(async () => {
    await control(e.emu, "rewrite-on-upload", { extensions: [] }).catch(() => undefined);
    await e?.close();
  });

  test("the control API validates its input", async () => {
    await assert.rejects(control(e.emu, "rewrite-on-upload", { extensions: ".docx" }));
    await assert.rejects(control(e.emu, "rewrite-on-upload", { extensions: [""] }));
    const on = await control<{ extensions: string[] }>(e.emu, "rewrite-on-upload", { extensions: ["DOCX", ".pdf"] });
    assert.deepEqual(on.extensions, [".docx", ".pdf"]);
  });

  test("a pushed .docx that SharePoint rewrites causes no transfer on the next two runs", async () => {
    const base = `rewrite-${randomBytes(4).toString("hex")}`;
    await control(e.emu, "content/folders", { path: base });
    await control(e.emu, "rewrite-on-upload", { extensions: [".docx", ".pdf"] });
    const share = await newShare(e);
    const id = await newConnector(e, share, base, { sync_direction: "bidirectional" });
    const docx = `PK docx ${randomBytes(8).toString("hex")}`;
    const big = `%PDF ${randomBytes(600 * 1024).toString("base64")}`;
    await put(e, share, "/From SharePoint/report.docx", docx);
    await put(e, share, "/From SharePoint/scan.pdf", big);
    await put(e, share, "/From SharePoint/notes.txt", "plain text");

    const first = await sync(e, id);
    assert.equal(first.status, "completed", JSON.stringify(first.error));
    assert.equal(first.error_count, 0, JSON.stringify(entriesOf(first).filter((x) => x.result === "error")));
    assert.equal(first.files_synced, 3);

    for (const run of ["second", "third"]) {
      await resetCounters(e);
      const job = await sync(e, id);
      assert.equal(job.status, "completed", JSON.stringify(job.error));
      assert.equal(job.error_count, 0, run);
      assert.equal(job.files_synced, 0, `${run} run transfers nothing: ${JSON.stringify(entriesOf(job))}`);
      assert.equal(job.bytes_transferred, 0, run);
      const c = await counters(e);
      assert.equal(count(c, WRITES), 0, `${run} run: no Graph write ${JSON.stringify(c)}`);
      assert.equal(count(c, DOWNLOADS), 0, `${run} run: no download ${JSON.stringify(c)}`);
    }
    // Read SharePoint's side only now: the emulator counts a request when its response ends, so a
    // download made just before a counter reset could be counted after it.
    assert.equal(
      await spText(e, `${base}/report.docx`),
      docx + PROMOTED_PROPERTIES_SUFFIX,
      "SharePoint stored rewritten bytes",
    );
    assert.equal(await spText(e, `${base}/scan.pdf`), big + PROMOTED_PROPERTIES_SUFFIX, "the .pdf is rewritten too");
    assert.equal(await spText(e, `${base}/notes.txt`), "plain text");
    assert.equal(
      await content(e, share, "/From SharePoint/report.docx"),
      docx,
      "ScaiDrive keeps the bytes the user saved",
    );

    // A real edit on either side still syncs after the rewrite.
    const edited = `${docx} edited`;
    await put(e, share, "/From SharePoint/report.docx", edited);
    const afterEdit = await sync(e, id);
    assert.equal(afterEdit.status, "completed");
    assert.equal(afterEdit.files_synced, 1);
    await resetCounters(e);
    const quiet = await sync(e, id);
    assert.equal(quiet.files_synced, 0);
    assert.equal(count(await counters(e), WRITES), 0);
    assert.equal(await spText(e, `${base}/report.docx`), edited + PROMOTED_PROPERTIES_SUFFIX);
  });
});

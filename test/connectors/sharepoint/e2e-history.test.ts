/**
 * SharePoint → ScaiDrive end to end, over HTTP against the Graph emulator: version history,
 * list columns as metadata, permissions with and without identity mappings, check-outs and
 * OneNote notebooks.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  control,
  count,
  counters,
  entriesOf,
  expectStatus,
  newConnector,
  newShare,
  put,
  resetCounters,
  spText,
  startE2E,
  stat,
  sync,
  SP,
  type E2E,
} from "./e2e-kit.js";

let e: E2E;

before(async () => {
  e = await startE2E();
});

after(async () => {
  await e?.close();
});

async function folder(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString("hex")}`;
  await control(e.emu, "content/folders", { path: name });
  return name;
}

async function versionTexts(fileId: string): Promise<string[]> {
  const list = expectStatus(await e.api("GET", `/api/v1/files/${fileId}/versions`), 200, "versions").versions as Array<{
    id: string;
  }>;
  const out: string[] = [];
  for (const v of list) {
    const r = await e.api("GET", `/api/v1/files/${fileId}/versions/${v.id}/content`);
    assert.equal(r.status, 200);
    out.push(String(r.body));
  }
  return out;
}

describe("SharePoint sync: versions and metadata", () => {
  test(
    "three SharePoint versions become three ScaiDrive " + "versions oldest first; a new edit adds exactly one",
    async () => {
      const base = await folder("ver");
      for (const v of ["version one", "version two", "version three"])
        await control(e.emu, "content/files", { path: `${base}/Brief.docx`, content: v });
      await control(e.emu, "content/fields", {
        path: `${base}/Brief.docx`,
        fields: { Campaign: "Spring Launch", Status: "Final" },
      });
      const share = await newShare(e);
      const id = await newConnector(e, share, base, { sync_versions: true, sync_metadata: true });

      const first = await sync(e, id);
      assert.equal(first.status, "completed", JSON.stringify(first));
      assert.equal(first.error_count, 0, JSON.stringify(entriesOf(first)));
      assert.equal(entriesOf(first).filter((x) => x.result === "warning").length, 0, JSON.stringify(entriesOf(first)));
      const node = expectStatus(await stat(e, share, "/From SharePoint/Brief.docx"), 200, "stat");
      assert.deepEqual(
        await versionTexts(node.id),
        ["version three", "version two", "version one"],
        "newest first, the latest current",
      );

      const meta = expectStatus(await e.api("GET", `/api/v1/files/${node.id}/metadata`), 200, "metadata");
      assert.equal(meta["sharepoint.Campaign"], "Spring Launch");
      assert.equal(meta["sharepoint.Status"], "Final");

      await control(e.emu, "content/files", { path: `${base}/Brief.docx`, content: "version four" });
      await control(e.emu, "content/fields", { path: `${base}/Brief.docx`, fields: { Status: "Draft" } });
      const second = await sync(e, id);
      assert.equal(second.status, "completed");
      assert.equal(second.error_count, 0);
      assert.deepEqual(await versionTexts(node.id), ["version four", "version three", "version two", "version one"]);
      const meta2 = expectStatus(await e.api("GET", `/api/v1/files/${node.id}/metadata`), 200, "metadata");
      assert.equal(meta2["sharepoint.Status"], "Draft");

      const third = await sync(e, id);
      assert.equal(third.status, "completed");
      assert.equal((await versionTexts(node.id)).length, 4, "a no-op run adds no version");
    },
  );

  test("user metadata keys survive; column keys follow SharePoint", async () => {
    const base = await folder("meta");
    await control(e.emu, "content/files", { path: `${base}/Plan.docx`, content: "plan" });
    await control(e.emu, "content/fields", { path: `${base}/Plan.docx`, fields: { Owner: "Alice Cooper" } });
    const share = await newShare(e);
    const id = await newConnector(e, share, base, { sync_metadata: true });
    assert.equal((await sync(e, id)).status, "completed");
    const node = expectStatus(await stat(e, share, "/From SharePoint/Plan.docx"), 200, "stat");
    expectStatus(
      await e.api("PATCH", `/api/v1/files/${node.id}/metadata`, { json: { reviewed: true } }),
      200,
      "patch metadata",
    );
    await control(e.emu, "content/files", { path: `${base}/Plan.docx`, content: "plan v2" });
    assert.equal((await sync(e, id)).status, "completed");
    const meta = expectStatus(await e.api("GET", `/api/v1/files/${node.id}/metadata`), 200, "metadata");
    assert.equal(meta.reviewed, true);
    assert.equal(meta["sharepoint.Owner"], "Alice Cooper");
    const versions = expectStatus(await e.api("GET", `/api/v1/files/${node.id}/versions`), 200, "versions").versions;
    assert.equal(versions.length, 2, "sync_versions off: only the engine's copies");
  });
});

describe("SharePoint sync: permissions", () => {
  const alice = "aaaaaaaa-0000-4000-8000-00000000a11c";

  test(
    "unique permissions map through identity mappings; unmapped " +
      "principals warn once; only unique items cost a permission read",
    async () => {
      const base = await folder("perm");
      await control(e.emu, "content/files", { path: `${base}/Open.txt`, content: "inherits" });
      await control(e.emu, "content/files", { path: `${base}/Secret.txt`, content: "unique" });
      await control(e.emu, "content/files", { path: `${base}/Secret2.txt`, content: "unique too" });
      await control(e.emu, "content/permissions", {
        path: `${base}/Secret.txt`,
        grants: [{ user: "alice@contoso.onmicrosoft.com", roles: ["write"] }],
      });
      await control(e.emu, "content/permissions", {
        path: `${base}/Secret2.txt`,
        grants: [{ user: "alice@contoso.onmicrosoft.com", roles: ["read"] }],
      });

      // Without mappings: warnings, one per principal, and the job still completes.
      const shareA = await newShare(e);
      const a = await newConnector(e, shareA, base, { sync_permissions: true });
      await resetCounters(e);
      const jobA = await sync(e, a);
      assert.equal(jobA.status, "completed");
      assert.equal(jobA.error_count, 0);
      const warnings = entriesOf(jobA).filter((x) => x.result === "warning");
      const aliceWarnings = warnings.filter((w) => String(w.detail).includes(alice));
      assert.equal(aliceWarnings.length, 1, JSON.stringify(warnings));
      const c = await counters(e);
      // The base folder (once per run) and the two items with broken inheritance; never Open.txt.
      assert.equal(count(c, /^GET .*\/permissions$/), 3, JSON.stringify(c));

      // With a mapping: Alice's ScaiDrive user gets the grants, no warning for her.
      const user = expectStatus(
        await e.api("POST", "/api/v1/users", {
          json: { email: `alice-${randomBytes(3).toString("hex")}@example.com`, name: "Alice" },
        }),
        201,
        "user",
      );
      const shareB = await newShare(e);
      const b = await newConnector(e, shareB, base, { sync_permissions: true });
      expectStatus(
        await e.api("POST", `${SP}/${b}/identity-mappings`, {
          json: { identity_type: "user", smb_principal: alice, scaidrive_principal_id: user.id },
        }),
        201,
        "mapping",
      );
      const jobB = await sync(e, b);
      assert.equal(jobB.status, "completed");
      assert.equal(entriesOf(jobB).filter((x) => x.result === "warning" && String(x.detail).includes(alice)).length, 0);
      const acl = expectStatus(
        await e.api("GET", `/api/v1/shares/${shareB}/acl?path=${encodeURIComponent("/From SharePoint/Secret.txt")}`),
        200,
        "acl",
      );
      const ace = (acl.aces as Array<{ principal_id: string; permissions: string[] }>).find(
        (x) => x.principal_id === user.id,
      );
      assert.ok(ace, JSON.stringify(acl));
      assert.ok(ace.permissions.includes("WRITE"));
      assert.equal(acl.inherit, false, "broken inheritance is kept");
      const open = expectStatus(
        await e.api("GET", `/api/v1/shares/${shareB}/acl?path=${encodeURIComponent("/From SharePoint/Open.txt")}`),
        200,
        "acl",
      );
      assert.equal(open.aces.length, 0);
      assert.equal(open.inherit, true);
    },
  );
});

describe("SharePoint sync: check-outs and OneNote", () => {
  test(
    "a checked-out file is not written in bidirectional " + "mode (per-file notice) and is written after check-in",
    async () => {
      const base = await folder("co");
      await control(e.emu, "content/files", { path: `${base}/Plan.pptx`, content: "sharepoint text" });
      const share = await newShare(e);
      const id = await newConnector(e, share, base, { sync_direction: "bidirectional" });
      assert.equal((await sync(e, id)).status, "completed");
      await control(e.emu, "content/checkout", { path: `${base}/Plan.pptx`, user: "bob@contoso.onmicrosoft.com" });
      await put(e, share, "/From SharePoint/Plan.pptx", "scaidrive edit");

      const held = await sync(e, id);
      assert.equal(held.status, "completed");
      const notice = entriesOf(held).find((x) => x.path === "Plan.pptx" && x.result !== "ok");
      assert.ok(notice, JSON.stringify(entriesOf(held)));
      assert.match(JSON.stringify(notice), /checked out/);
      assert.equal(await spText(e, `${base}/Plan.pptx`), "sharepoint text");

      await control(e.emu, "content/checkin", { path: `${base}/Plan.pptx` });
      const released = await sync(e, id);
      assert.equal(released.status, "completed");
      assert.equal(released.error_count, 0, JSON.stringify(entriesOf(released)));
      assert.equal(await spText(e, `${base}/Plan.pptx`), "scaidrive edit");
    },
  );

  test("a OneNote notebook is copied as one opaque file, never as a folder", async () => {
    const share = await newShare(e);
    const id = await newConnector(e, share, "Campaigns/2026");
    const job = await sync(e, id);
    assert.equal(job.status, "completed");
    const nb = expectStatus(await stat(e, share, "/From SharePoint/Spring Notebook"), 200, "notebook");
    assert.equal(nb.type, "file");
    assert.ok(nb.size > 0);
    const inside = await e.api(
      "GET",
      `/api/v1/shares/${share}/files?path=${encodeURIComponent("/From SharePoint/Spring Notebook")}`,
    );
    assert.notEqual(inside.status, 200, "not a folder in ScaiDrive");
  });
});

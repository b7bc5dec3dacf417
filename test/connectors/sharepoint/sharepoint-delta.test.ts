/**
 * `changes(cursor)` over Graph delta against the emulator: the first run, a no-op resync costing
 * one request, edits / deletes / renames / moves made "in SharePoint" through the control API,
 * a restarted adapter resolving paths it never saw, and 410 → cursor_expired.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { GraphEmulator } from "../../emulators/graph/emulator.js";
import { isRemoteError } from "../../../src/sync/remote-errors.js";
import type { ChangePage, RemoteEntry } from "../../../src/sync/remote.js";
import type { SharePointRemote } from "../../../src/connectors/sharepoint/sharepoint-remote.js";
import { control, remoteFor, startEmulator } from "./sharepoint-test-kit.js";

async function collect(remote: SharePointRemote, cursor: string | null): Promise<ChangePage[]> {
  const pages: ChangePage[] = [];
  for await (const p of remote.changes(cursor)) pages.push(p);
  return pages;
}

const upserts = (pages: ChangePage[]): RemoteEntry[] => pages.flatMap((p) => p.upserts);
const byPath = (pages: ChangePage[]): Map<string, RemoteEntry> => new Map(upserts(pages).map((e) => [e.path, e]));
const lastCursor = (pages: ChangePage[]): string => pages.at(-1)!.cursor;

describe("SharePoint delta (changes)", () => {
  let emu: GraphEmulator;
  let remote: SharePointRemote;
  let cursor: string;
  const deltaRoute = (c: Record<string, number>): number =>
    Object.entries(c)
      .filter(([k]) => k.startsWith("GET ") && k.includes("/delta"))
      .reduce((n, [, v]) => n + v, 0);

  before(async () => {
    emu = await startEmulator();
    remote = remoteFor(emu, "Campaigns/2026", { deltaPageSize: 3 });
  });
  after(async () => {
    await remote.close();
    await emu.close();
  });

  test(
    "first run enumerates the base folder page by page: " + "filtered, relative, parents first, notebook opaque",
    async () => {
      const pages = await collect(remote, null);
      assert.ok(pages.length >= 2, "several pages with $top=3");
      for (const p of pages.slice(0, -1)) assert.match(p.cursor, /token=/, "intermediate pages carry their nextLink");
      const entries = byPath(pages);
      assert.deepEqual([...entries.keys()].sort(), [
        "Brief.docx",
        "Budget.xlsx",
        "Launch Plan.pptx",
        "Press Release.pdf",
        "Spring Notebook",
      ]);
      const brief = entries.get("Brief.docx")!;
      assert.equal(brief.kind, "file");
      assert.equal(
        brief.fingerprint,
        `qxh:${brief.hashes?.quickXorHash}:${brief.size}`,
        "fingerprint is quickXorHash + size (delta has no cTag)",
      );
      assert.ok(brief.hashes?.quickXorHash);
      assert.ok(typeof brief.extra?.eTag === "string");
      const notebook = entries.get("Spring Notebook")!;
      assert.equal(notebook.opaquePackage, true);
      assert.equal(entries.get("Launch Plan.pptx")!.checkoutOwner !== undefined, true, "checked-out file flagged");
      assert.equal(entries.get("Brief.docx")!.checkoutOwner, undefined);
      assert.ok(![...entries.keys()].some((p) => p.startsWith("Spring Notebook/")), "never descends into the notebook");
      cursor = lastCursor(pages);
    },
  );

  test("a no-op resync costs exactly one delta request and reports nothing", async () => {
    await control(emu, "counters", {}, "DELETE");
    const pages = await collect(remote, cursor);
    assert.equal(pages.length, 1);
    assert.deepEqual(pages[0]!.upserts, []);
    assert.deepEqual(pages[0]!.deletions, []);
    const counters = await control<Record<string, number>>(emu, "counters", undefined, "GET");
    assert.equal(deltaRoute(counters), 1);
    assert.equal(
      Object.values(counters).reduce((a, b) => a + b, 0),
      1,
      `only the delta request: ${JSON.stringify(counters)}`,
    );
    cursor = lastCursor(pages);
  });

  test("edits, column changes, creations and deletions made in SharePoint", async () => {
    const before = await remote.stat("Budget.xlsx");
    const briefBefore = await remote.stat("Brief.docx");
    const press = await remote.stat("Press Release.pdf");
    await control(emu, "content/files", { path: "Campaigns/2026/Budget.xlsx", content: "Budget 2026: 150000 EUR\n" });
    await control(emu, "content/fields", { path: "Campaigns/2026/Brief.docx", fields: { Status: "Review" } });
    await control(emu, "content/files", { path: "Campaigns/2026/New/Sub/a.txt", content: "a" });
    await control(emu, "content/delete", { path: "Campaigns/2026/Press Release.pdf" });
    await control(emu, "content/files", { path: "Campaigns/2025/outside.txt", content: "not in the base" });
    const pages = await collect(remote, cursor);
    const e = byPath(pages);
    assert.notEqual(e.get("Budget.xlsx")!.fingerprint, before.fingerprint, "content change → new fingerprint");
    assert.equal(
      e.get("Brief.docx")!.fingerprint,
      briefBefore.fingerprint,
      "column change → the fingerprint a stat gave (no re-download)",
    );
    assert.notEqual(e.get("Brief.docx")!.extra?.eTag, briefBefore.extra?.eTag);
    const paths = upserts(pages).map((x) => x.path);
    assert.ok(
      paths.indexOf("New") < paths.indexOf("New/Sub") && paths.indexOf("New/Sub") < paths.indexOf("New/Sub/a.txt"),
      paths.join(", "),
    );
    assert.ok(!paths.some((p) => p.includes("outside")), "changes outside the base are filtered");
    // Files are not remembered by path: the deleted one goes out by id, and so does the file
    // created outside the base (on a resync it could have been moved out; the engine ignores an
    // id it never synced).
    const outside = await remoteFor(emu, "Campaigns").stat("2025/outside.txt");
    const deletions = pages.flatMap((p) => p.deletions);
    assert.deepEqual(
      [...deletions].sort((a, b) => (a.id < b.id ? -1 : 1)),
      [{ id: press.id! }, { id: outside.id! }].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    cursor = lastCursor(pages);
  });

  test(
    "a folder rename is one upsert; descendants' later " + "changes come with the new path; moves in and out",
    async () => {
      const sub = await remote.stat("New/Sub");
      const budget = await remote.stat("Budget.xlsx");
      await control(emu, "content/move", { path: "Campaigns/2026/New", to: "Campaigns/2026/Renamed" });
      await control(emu, "content/move", { path: "Campaigns/2026/Budget.xlsx", to: "Campaigns/2025/Budget.xlsx" });
      await control(emu, "content/move", { path: "Campaigns/2025/outside.txt", to: "Campaigns/2026/inside.txt" });
      let pages = await collect(remote, cursor);
      let e = byPath(pages);
      assert.equal(e.get("Renamed")?.kind, "folder");
      assert.ok(!e.has("Renamed/Sub"), "Graph does not repeat the descendants of a renamed folder");
      assert.equal(e.get("inside.txt")?.kind, "file", "moved into the base → upsert");
      const dels = pages.flatMap((p) => p.deletions);
      assert.deepEqual(dels, [{ id: budget.id! }], "a file moved out of the base → deletion by id");
      cursor = lastCursor(pages);

      await control(emu, "content/files", { path: "Campaigns/2026/Renamed/Sub/a.txt", content: "a2" });
      pages = await collect(remote, cursor);
      e = byPath(pages);
      assert.equal(e.get("Renamed/Sub/a.txt")?.kind, "file", "descendant path derived from the renamed folder");
      assert.equal((await remote.stat("Renamed/Sub")).id, sub.id, "ids survive the rename");
      cursor = lastCursor(pages);
    },
  );

  test("a restarted adapter (no path memory) places changes through the parents delta sends along", async () => {
    await control(emu, "content/files", { path: "Campaigns/2026/Renamed/Sub/b.txt", content: "b" });
    const fresh = remoteFor(emu, "Campaigns/2026");
    await control(emu, "counters", {}, "DELETE");
    const pages = await collect(fresh, cursor);
    assert.deepEqual(
      upserts(pages).map((x) => x.path),
      ["Renamed", "Renamed/Sub", "Renamed/Sub/b.txt"],
      "the unchanged parents come as folder upserts before the change",
    );
    const counters = await control<Record<string, number>>(emu, "counters", undefined, "GET");
    const graphCalls = Object.entries(counters)
      .filter(([k]) => k.includes("/drives/"))
      .reduce((a, [, n]) => a + n, 0);
    assert.equal(deltaRoute(counters), graphCalls, `no parent looked up by id: ${JSON.stringify(counters)}`);
    cursor = lastCursor(pages);
  });

  test("a deletion the adapter cannot place (no name in delta, no path memory) is reported by id", async () => {
    await control(emu, "content/files", { path: "Campaigns/2026/Renamed/Sub/c.txt", content: "c" });
    let pages = await collect(remote, cursor);
    const c = upserts(pages).find((u) => u.path === "Renamed/Sub/c.txt")!;
    cursor = lastCursor(pages);
    await control(emu, "content/delete", { path: "Campaigns/2026/Renamed/Sub/c.txt" });
    pages = await collect(remoteFor(emu, "Campaigns/2026"), cursor);
    assert.deepEqual(
      pages.flatMap((p) => p.deletions),
      [{ id: c.id }],
    );
    cursor = lastCursor(pages);
  });

  test("a change inside a notebook is an upsert of the notebook with a new fingerprint", async () => {
    const before = await remote.stat("Spring Notebook");
    await control(emu, "content/files", {
      path: "Campaigns/2026/Spring Notebook/Extra Section.one",
      content: "new section",
    });
    const pages = await collect(remote, cursor);
    const all = upserts(pages);
    assert.deepEqual(
      all.map((x) => x.path),
      ["Spring Notebook"],
    );
    assert.equal(all[0]!.opaquePackage, true);
    assert.notEqual(all[0]!.fingerprint, before.fingerprint);
    assert.ok(all[0]!.size > before.size);
    cursor = lastCursor(pages);
  });

  test("an expired delta token is cursor_expired", async () => {
    await control(emu, "delta/expire", {});
    await assert.rejects(collect(remote, cursor), (err: unknown) => {
      assert.ok(isRemoteError(err, "cursor_expired"), String(err));
      return true;
    });
    const pages = await collect(remote, null);
    assert.ok(byPath(pages).has("Renamed/Sub/b.txt"), "a fresh enumeration works after the expiry");
  });

  test("walk, stat and delta (which has no cTag) give every entry the same fingerprint", async () => {
    const fromDelta = byPath(await collect(remoteFor(emu, "Campaigns/2026"), null));
    const walked = new Map<string, RemoteEntry>();
    for await (const entry of remoteFor(emu, "Campaigns/2026").walk()) walked.set(entry.path, entry);
    assert.deepEqual([...walked.keys()].sort(), [...fromDelta.keys()].sort());
    for (const [path, w] of walked) {
      assert.equal(fromDelta.get(path)!.fingerprint, w.fingerprint, `walk and delta agree on ${path}`);
      assert.equal((await remote.stat(path)).fingerprint, w.fingerprint, `walk and stat agree on ${path}`);
    }
  });
});

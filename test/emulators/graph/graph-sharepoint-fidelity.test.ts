/**
 * Where SharePoint Online's Graph differs from the generic driveItem documentation, the emulator
 * follows SharePoint (Microsoft's driveitem-delta, driveitem and "Restrictions and limitations in
 * OneDrive and SharePoint" pages): delta without cTag and without the name of deleted items,
 * parents in delta pages unless `deltaExcludeParent`, timestamp tokens, no cTag on folders,
 * notebooks with the package facet only, the names SharePoint refuses, and mimeType from the
 * extension.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { control, graphFetch, useEmulator } from "./graph-test-support.js";

type Item = Record<string, any>;

describe("SharePoint fidelity", () => {
  const ctx = useEmulator();

  const get = async (path: string, headers: Record<string, string> = {}): Promise<Item> => {
    const res = await graphFetch(ctx.emu, ctx.token, path.startsWith("https://") ? path : ctx.d(path), { headers });
    assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
    return (await res.json()) as Item;
  };
  /** Every item of a delta round (following nextLinks) and the deltaLink. */
  type Round = { items: Item[]; link: string };
  const drain = async (first: string, headers: Record<string, string> = {}): Promise<Round> => {
    const items: Item[] = [];
    let page = await get(first, headers);
    for (;;) {
      items.push(...(page.value as Item[]));
      if (page["@odata.deltaLink"]) return { items, link: page["@odata.deltaLink"] as string };
      page = await get(page["@odata.nextLink"] as string, headers);
    }
  };
  const latest = async (): Promise<string> => (await get("/root/delta?token=latest"))["@odata.deltaLink"] as string;

  test("delta leaves out cTag on created and modified items and name on deleted ones", async () => {
    await control(ctx.emu, "content/files", { path: "Fidelity/Delta/keep.txt", content: "one" });
    await control(ctx.emu, "content/files", { path: "Fidelity/Delta/gone.txt", content: "two" });
    const full = await drain("/root/delta");
    for (const i of full.items) assert.equal(i.cTag, undefined, `no cTag in the first enumeration: ${i.name}`);
    const gone = await get("/root:/Fidelity/Delta/gone.txt:");
    assert.ok(gone.cTag, "a GET of a file has its cTag");
    await control(ctx.emu, "content/files", { path: "Fidelity/Delta/keep.txt", content: "one, edited" });
    await control(ctx.emu, "content/files", { path: "Fidelity/Delta/new.txt", content: "three" });
    await control(ctx.emu, "content/delete", { path: "Fidelity/Delta/gone.txt" });
    const { items } = await drain(full.link);
    const names = items.filter((i) => !i.deleted).map((i) => i.name as string);
    assert.ok(names.includes("keep.txt") && names.includes("new.txt"), names.join(","));
    for (const i of items) assert.equal(i.cTag, undefined, `no cTag in delta: ${i.name ?? i.id}`);
    const deleted = items.find((i) => i.id === gone.id)!;
    assert.deepEqual(deleted.deleted, { state: "deleted" });
    assert.equal(deleted.name, undefined, "a deleted item is identified by id only");
    assert.ok(deleted.file, "the deleted item still says it was a file");
    const edited = items.find((i) => i.name === "keep.txt")!;
    assert.ok(edited.file.hashes.quickXorHash, "delta carries quickXorHash and size instead");
    assert.equal(edited.size, "one, edited".length);
  });

  test("delta includes the changed items' parent folders unless deltaExcludeParent", async () => {
    await control(ctx.emu, "content/files", { path: "Fidelity/Parents/a/b/leaf.txt", content: "v1" });
    const start = await latest();
    await control(ctx.emu, "content/files", { path: "Fidelity/Parents/a/b/leaf.txt", content: "v2" });
    const withParents = await drain(start);
    const names = withParents.items.map((i) => (i.root ? "(root)" : (i.name as string)));
    assert.deepEqual(names, ["(root)", "Fidelity", "Parents", "a", "b", "leaf.txt"], "parents first, root down");
    const again = await drain(start, { deltaExcludeParent: "true" });
    assert.deepEqual(
      again.items.map((i) => i.name),
      ["leaf.txt"],
      "only the changed item",
    );
    const scoped = await drain(`/root:/Fidelity/Parents/a:/delta?token=latest`);
    await control(ctx.emu, "content/files", { path: "Fidelity/Parents/a/b/leaf.txt", content: "v3" });
    assert.deepEqual(
      (await drain(scoped.link)).items.map((i) => i.name),
      ["a", "b", "leaf.txt"],
      "an item delta stops at its scope",
    );
  });

  test("token=<timestamp> lists what changed since then, deletions included", async () => {
    await control(ctx.emu, "content/files", { path: "Fidelity/Time/old.txt", content: "old" });
    await control(ctx.emu, "content/files", { path: "Fidelity/Time/doomed.txt", content: "doomed" });
    const doomed = await get("/root:/Fidelity/Time/doomed.txt:");
    await new Promise((r) => setTimeout(r, 2100));
    const since = new Date(Date.now() - 300).toISOString().replace(/\.\d{3}Z$/, "Z");
    await control(ctx.emu, "content/files", { path: "Fidelity/Time/fresh.txt", content: "fresh" });
    await control(ctx.emu, "content/delete", { path: "Fidelity/Time/doomed.txt" });
    const { items, link } = await drain(`/root/delta?token=${encodeURIComponent(since)}`, {
      deltaExcludeParent: "true",
    });
    const ids = items.map((i) => i.id as string);
    assert.ok(
      items.some((i) => i.name === "fresh.txt"),
      "the new file",
    );
    assert.ok(ids.includes(doomed.id), "the deletion");
    assert.ok(!items.some((i) => i.name === "old.txt"), "nothing older");
    assert.deepEqual((await drain(link)).items, [], "its deltaLink continues from now");
    const offset = since
      .replace("Z", "+8:00")
      .replace(/T(\d\d)/, (_, h) => `T${String(Number(h) + 8).padStart(2, "0")}`);
    if (Number(offset.slice(11, 13)) < 24) {
      const sameInstant = await drain(`/root/delta?token=${encodeURIComponent(offset)}`, { deltaExcludeParent: "1" });
      assert.deepEqual(
        sameInstant.items.map((i) => i.id).sort(),
        ids.sort(),
        "an offset timestamp (Microsoft's +8:00 form) names the same instant",
      );
    }
  });

  test("folders, the root and notebooks carry no cTag; files do", async () => {
    const root = await get("/root");
    const folder = await get("/root:/Campaigns:");
    const notebook = await get("/root:/Campaigns/2026/Spring Notebook:");
    const file = await get("/root:/Campaigns/2026/Budget.xlsx:");
    assert.equal(root.cTag, undefined);
    assert.equal(folder.cTag, undefined);
    assert.equal(notebook.cTag, undefined);
    assert.ok(root.eTag && folder.eTag && notebook.eTag, "every item has an eTag");
    assert.match(file.cTag, /^"c:\{/);
    const children = await get("/root:/Campaigns:/children");
    for (const c of children.value as Item[]) assert.equal(c.cTag, undefined, `${c.name} in a listing`);
  });

  test("a OneNote notebook has the package facet only, in item reads, listings and delta", async () => {
    const notebook = await get("/root:/Campaigns/2026/Spring Notebook:");
    assert.deepEqual(notebook.package, { type: "oneNote" });
    assert.equal(notebook.folder, undefined);
    const listed = ((await get("/root:/Campaigns/2026:/children")).value as Item[]).find((c) => c.id === notebook.id)!;
    assert.deepEqual(listed.package, { type: "oneNote" });
    assert.equal(listed.folder, undefined);
    const inDelta = (await drain("/root/delta")).items.find((i) => i.id === notebook.id)!;
    assert.deepEqual(inDelta.package, { type: "oneNote" });
    assert.equal(inDelta.folder, undefined);
    const sections = await get(`/items/${notebook.id}/children`);
    assert.equal((sections.value as Item[]).length, 2, "its sections are still listed as children");
  });

  describe("names SharePoint refuses", () => {
    const upload = (path: string, raw = false): Promise<Response> =>
      graphFetch(
        ctx.emu,
        ctx.token,
        ctx.d(`/root:/${raw ? path : path.split("/").map(encodeURIComponent).join("/")}:/content`),
        { method: "PUT", body: "x" },
      );
    const mkdir = (name: string): Promise<Response> =>
      graphFetch(ctx.emu, ctx.token, ctx.d("/root:/Fidelity:/children"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, folder: {}, "@microsoft.graph.conflictBehavior": "replace" }),
      });
    async function refused(res: Response, what: string): Promise<Item> {
      assert.equal(res.status, 400, what);
      const body = (await res.json()) as Item;
      assert.equal(body.error.code, "invalidRequest", what);
      assert.equal(body.error.innerError?.code, "invalidName", what);
      return body;
    }

    test("desktop.ini and ~$ names are refused for files and folders; folders cannot begin with ~", async () => {
      for (const name of ["desktop.ini", "Desktop.INI", "~$Brief.docx", "~$x"]) {
        await refused(await upload(`Fidelity/${name}`), `upload ${name}`);
        await refused(await mkdir(name), `mkdir ${name}`);
      }
      await refused(await mkdir("~backup"), "a folder beginning with ~");
      await refused(await upload("Fidelity/~tmp/file.txt"), "a folder beginning with ~ created by an upload");
      assert.equal((await upload("Fidelity/~notes.txt")).status, 201, "a file may begin with ~");
      assert.equal((await upload("Fidelity/desktop.ini.txt")).status, 201, "desktop.ini.txt is fine");
      assert.equal((await mkdir("back~up")).status, 201, "a ~ inside a folder name is fine");
      const file = await get("/root:/Fidelity/~notes.txt:");
      const rename = await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${file.id}`), {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "~$notes.txt" }),
      });
      await refused(rename, "rename to ~$");
    });

    test("a colon in a name is an invalid name, whether sent raw in the path or encoded", async () => {
      const raw = await refused(await upload("Fidelity/a:b.txt", true), "raw colon in a path upload");
      assert.match(raw.error.message, /a:b\.txt/);
      assert.match(raw.error.message, /":"/);
      await refused(await upload("Fidelity/a:b.txt"), "encoded colon");
      const rawGet = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/Fidelity/x:y.txt:"));
      await refused(rawGet, "raw colon in a path read");
      await refused(await mkdir("c:d"), "colon in a new folder");
    });
  });

  test("file.mimeType comes from the extension, not from the upload's Content-Type", async () => {
    const put = async (name: string, type: string): Promise<Item> => {
      const res = await graphFetch(ctx.emu, ctx.token, ctx.d(`/root:/Fidelity/Mime/${name}:/content`), {
        method: "PUT",
        headers: { "content-type": type },
        body: "content",
      });
      assert.ok(res.status === 201 || res.status === 200, `${name}: ${res.status}`);
      return (await res.json()) as Item;
    };
    assert.equal((await put("report.pdf", "text/plain")).file.mimeType, "application/pdf");
    assert.equal((await put("photo.png", "application/json")).file.mimeType, "image/png");
    assert.equal((await put("data.csv", "application/octet-stream")).file.mimeType, "text/csv");
    assert.equal((await put("blob.unknownext", "image/png")).file.mimeType, "application/octet-stream");
    const renamed = await graphFetch(
      ctx.emu,
      ctx.token,
      ctx.d(`/items/${(await get("/root:/Fidelity/Mime/data.csv:")).id}`),
      { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "data.txt" }) },
    );
    assert.equal(((await renamed.json()) as Item).file.mimeType, "text/plain", "a rename follows the new extension");
  });
});

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { graphFetch, useEmulator } from "./graph-test-support.js";

type Item = Record<string, any>;

describe("Graph path addressing relative to an item", () => {
  const ctx = useEmulator();
  const get = async (path: string, init?: RequestInit): Promise<Response> =>
    graphFetch(ctx.emu, ctx.token, ctx.d(path), init);
  const json = async (res: Response): Promise<Item> => {
    const body = await res.text();
    assert.ok(res.ok, `${res.status} ${body}`);
    return JSON.parse(body) as Item;
  };

  test("items/{id}:/ and items/{id}: name the item itself (rclone's form before a directory move)", async () => {
    const folder = await json(await get("/root:/Campaigns/2026:"));
    for (const form of [`/items/${folder.id}:/`, `/items/${folder.id}:`]) {
      const res = await get(form);
      const item = await json(res);
      assert.equal(item.id, folder.id, form);
      assert.equal(item.name, "2026", form);
    }
    const root = await json(await get("/root"));
    assert.equal((await json(await get(`/items/${root.id}:/`))).id, root.id);
  });

  test("items/{id}:/sub/path: resolves below the item, with actions after the closing colon", async () => {
    const campaigns = await json(await get("/root:/Campaigns:"));
    const brief = await json(await get(`/items/${campaigns.id}:/2026/Brief.docx:`));
    assert.equal(brief.name, "Brief.docx");
    const children = await json(await get(`/items/${campaigns.id}:/2026:/children?$select=name`));
    assert.ok(children.value.some((c: Item) => c.name === "Budget.xlsx"));
    const content = await get(`/items/${campaigns.id}:/2026/Brief.docx:/content`);
    assert.equal(content.status, 302);
    const encoded = await json(await get(`/items/${campaigns.id}:/2026/Launch%20Plan.pptx:`));
    assert.equal(encoded.name, "Launch Plan.pptx");
    const missing = await get(`/items/${campaigns.id}:/2026/absent.txt:`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "itemNotFound");
  });

  test("upload, folder creation and rename through an item-relative path", async () => {
    const campaigns = await json(await get("/root:/Campaigns:"));
    const put = await get(`/items/${campaigns.id}:/Relative/new.txt:/content`, {
      method: "PUT",
      body: "relative upload",
    });
    assert.equal(put.status, 201, await put.clone().text());
    const created = await json(put);
    const relative = await json(await get(`/items/${campaigns.id}:/Relative:`));
    const child = await json(
      await get(`/items/${campaigns.id}:/Relative:/children`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Sub", folder: {} }),
      }),
    );
    assert.equal(child.name, "Sub");
    const renamed = await json(
      await get(`/items/${relative.id}:/new.txt:`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "renamed.txt" }),
      }),
    );
    assert.equal(renamed.id, created.id);
    assert.equal(renamed.name, "renamed.txt");
    const moved = await json(
      await get(`/items/${relative.id}:/`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Relative moved", parentReference: { id: (await json(await get("/root"))).id } }),
      }),
    );
    assert.equal(moved.id, relative.id);
    assert.equal((await json(await get("/root:/Relative moved/renamed.txt:"))).id, created.id);
  });
});

describe("Graph If-None-Match", () => {
  const ctx = useEmulator();
  const get = async (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    graphFetch(ctx.emu, ctx.token, ctx.d(path), { headers });

  test("the current eTag (or a file's cTag, or *) answers 304 with no body; a stale one the item", async () => {
    const brief = (await (await get("/root:/Campaigns/2026/Brief.docx:")).json()) as Item;
    for (const tag of [brief.eTag, brief.cTag, "*", `"other", ${brief.eTag}`, `W/${brief.eTag}`]) {
      const res = await get(`/items/${brief.id}`, { "if-none-match": tag });
      assert.equal(res.status, 304, tag);
      assert.equal(await res.text(), "", tag);
      assert.equal(res.headers.get("etag"), brief.eTag, tag);
    }
    const stale = await get(`/items/${brief.id}`, { "if-none-match": `"{00000000-0000-0000-0000-000000000000},1"` });
    assert.equal(stale.status, 200);
    assert.equal(((await stale.json()) as Item).id, brief.id);
  });

  test("a change of eTag serves the item again; folders compare their eTag", async () => {
    const before = (await (await get("/root:/Campaigns/2025:")).json()) as Item;
    assert.equal((await get(`/items/${before.id}`, { "if-none-match": before.eTag })).status, 304);
    const renamed = await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${before.id}`), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "2025 renamed" }),
    });
    assert.equal(renamed.status, 200);
    const after = await get(`/items/${before.id}`, { "if-none-match": before.eTag });
    assert.equal(after.status, 200);
    assert.notEqual(((await after.json()) as Item).eTag, before.eTag);
  });

  test("GET .../content: 304 for the current tag, else the 302 to the download URL", async () => {
    const budget = (await (await get("/root:/Campaigns/2026/Budget.xlsx:")).json()) as Item;
    const same = await get(`/items/${budget.id}/content`, { "if-none-match": budget.cTag });
    assert.equal(same.status, 304);
    assert.equal(same.headers.get("location"), null);
    const other = await get(`/items/${budget.id}/content`, { "if-none-match": `"c:{0},1"` });
    assert.equal(other.status, 302);
    assert.match(other.headers.get("location") ?? "", /\/_download\//);
  });
});

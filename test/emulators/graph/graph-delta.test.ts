import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Client } from "@microsoft/microsoft-graph-client";
import { control, graphFetch, useEmulator } from "./graph-test-support.js";

type Item = Record<string, any>;

/** Follows nextLinks with the SDK until the deltaLink; returns every item and the deltaLink. */
async function drain(client: Client, first: string): Promise<{ items: Item[]; pages: number[]; deltaLink: string }> {
  const items: Item[] = [];
  const pages: number[] = [];
  let res = await client.api(first).get();
  for (;;) {
    items.push(...res.value);
    pages.push(res.value.length);
    if (res["@odata.deltaLink"]) return { items, pages, deltaLink: res["@odata.deltaLink"] };
    assert.ok(res["@odata.nextLink"], "a page without deltaLink has a nextLink");
    res = await client.api(res["@odata.nextLink"]).get();
  }
}

describe("Graph delta", () => {
  const ctx = useEmulator();

  test("pages a 5,000-item library in pages of 200, parents before children, then a deltaLink", async () => {
    await control(ctx.emu, "content/seed", { path: "Bulk/Inner", count: 5000 });
    const { items, pages, deltaLink } = await drain(ctx.client, ctx.d("/root/delta"));
    const ids = new Set(items.map((i) => i.id));
    assert.equal(ids.size, items.length, "no duplicates");
    const bulkFiles = items.filter((i) => i.name?.startsWith("file-"));
    assert.equal(bulkFiles.length, 5000);
    assert.ok(
      pages.slice(0, -1).every((n) => n === 200),
      `full pages: ${pages.join(",")}`,
    );
    assert.ok(items[0].root, "the root comes first");
    const seen = new Set<string>();
    for (const item of items) {
      if (!item.root) assert.ok(seen.has(item.parentReference.id), `${item.name} after its parent`);
      assert.equal(item.parentReference?.path, undefined, "no parentReference.path in delta");
      seen.add(item.id);
    }
    const again = await ctx.client.api(deltaLink).get();
    assert.deepEqual(again.value, []);
    assert.ok(again["@odata.deltaLink"]);
    const top = await ctx.client.api(ctx.d("/root/delta")).top(1000).get();
    assert.equal(top.value.length, 1000);
  });

  test("after edits, deletes, renames and moves returns exactly those changes", async () => {
    const start = await ctx.client.api(ctx.d("/root/delta")).query({ token: "latest" }).get();
    assert.deepEqual(start.value, []);
    const latest = start["@odata.deltaLink"];
    const budget: Item = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Budget.xlsx:")).get();
    const brief: Item = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Brief.docx:")).get();
    const press: Item = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Press Release.pdf:")).get();
    const y2025: Item = await ctx.client.api(ctx.d("/root:/Campaigns/2025:")).get();
    await control(ctx.emu, "content/files", {
      path: "Campaigns/2026/Budget.xlsx",
      content: "Budget 2026: 150000 EUR\n",
      user: "alice@contoso.onmicrosoft.com",
    });
    await control(ctx.emu, "content/delete", { path: "Campaigns/2026/Brief.docx" });
    await control(ctx.emu, "content/move", {
      path: "Campaigns/2026/Press Release.pdf",
      to: "Campaigns/2026/Press Release v2.pdf",
    });
    await control(ctx.emu, "content/move", { path: "Campaigns/2025", to: "Archive/2025" });

    const { items, deltaLink } = await drain(ctx.client, latest);
    const byId = new Map<string, Item>(items.map((i) => [i.id as string, i]));
    const changed = (id: string): Item => byId.get(id) ?? assert.fail(`no change reported for ${id}`);
    const archive: Item = await ctx.client.api(ctx.d("/root:/Archive:")).get();
    const y2026: Item = await ctx.client.api(ctx.d("/root:/Campaigns/2026:")).get();
    const campaigns: Item = await ctx.client.api(ctx.d("/root:/Campaigns:")).get();
    const root: Item = await ctx.client.api(ctx.d("/root")).get();
    const parents = [y2026.id, campaigns.id, root.id];
    assert.deepEqual(
      [...byId.keys()].sort(),
      [budget.id, brief.id, press.id, y2025.id, archive.id, ...parents].sort(),
      "the changes plus their parent folders",
    );
    assert.equal(changed(budget.id).size, 24);
    assert.notEqual(changed(budget.id).file.hashes.quickXorHash, budget.file.hashes.quickXorHash);
    assert.deepEqual(changed(brief.id).deleted, { state: "deleted" });
    assert.equal(changed(press.id).name, "Press Release v2.pdf");
    assert.equal(changed(y2025.id).parentReference.id, archive.id);
    const order = items.map((i) => i.id);
    assert.ok(order.indexOf(archive.id) < order.indexOf(y2025.id), "new parent before the moved child");
    const quiet = await ctx.client.api(deltaLink).get();
    assert.deepEqual(quiet.value, []);
  });

  test("item delta is scoped to the folder", async () => {
    const first = await drain(ctx.client, ctx.d("/root:/Campaigns/2026:/delta"));
    const names = first.items.map((i) => i.name).sort();
    assert.ok(names.includes("2026") && names.includes("Budget.xlsx"));
    assert.ok(!names.includes("Bulk") && !names.includes("Campaigns"));
    await control(ctx.emu, "content/files", { path: "Bulk/outside.txt", content: "x" });
    await control(ctx.emu, "content/files", { path: "Campaigns/2026/inside.txt", content: "y" });
    const next = await drain(ctx.client, first.deltaLink);
    assert.deepEqual(
      next.items.map((i) => i.name),
      ["2026", "inside.txt"],
      "the change and its parent, nothing above the scope",
    );
  });

  test(
    "an expired token answers 410 resyncRequired / " + "resyncChangesApplyDifferences with a fresh Location",
    async () => {
      const start = await ctx.client.api(ctx.d("/root/delta")).query({ token: "latest" }).get();
      await control(ctx.emu, "delta/expire", { driveId: ctx.emu.info.drive_id });
      const res = await graphFetch(ctx.emu, ctx.token, start["@odata.deltaLink"]);
      assert.equal(res.status, 410);
      const body = (await res.json()) as Item;
      assert.equal(body.error.code, "resyncRequired");
      assert.equal(body.error.innerError.code, "resyncChangesApplyDifferences");
      const location = res.headers.get("location")!;
      assert.ok(
        location.startsWith(`${ctx.emu.info.graph_base_url}/v1.0/drives/${ctx.emu.info.drive_id}/root/delta`),
        location,
      );
      const fresh = await ctx.client.api(location).get();
      assert.ok(fresh.value.length > 0);
    },
  );
});

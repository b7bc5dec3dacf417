import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { control, graphFetch, useEmulator } from "./graph-test-support.js";
import { quickXorHashOf } from "./content/quick-xor-hash.js";

type Item = Record<string, any>;

describe("Graph drive items", () => {
  const ctx = useEmulator();

  test("sites by search, id and hostname path; drives; list columns", async () => {
    const found = await ctx.client.api("/sites").query({ search: "marketing" }).get();
    assert.deepEqual(
      found.value.map((s: Item) => s.webUrl),
      ["https://contoso.sharepoint.com/sites/marketing"],
    );
    const byPath = await ctx.client.api("/sites/contoso.sharepoint.com:/sites/marketing").get();
    assert.equal(byPath.id, ctx.emu.info.site_id);
    const byId = await ctx.client.api(`/sites/${ctx.emu.info.site_id}`).get();
    assert.equal(byId.displayName, "Marketing");
    const drives = await ctx.client.api(`/sites/${ctx.emu.info.site_id}/drives`).get();
    assert.equal(drives.value[0].id, ctx.emu.info.drive_id);
    assert.equal(drives.value[0].driveType, "documentLibrary");
    const listId = drives.value[0].sharePointIds.listId;
    const columns = await ctx.client.api(`/sites/${ctx.emu.info.site_id}/lists/${listId}/columns`).get();
    const names = columns.value.map((c: Item) => c.name);
    for (const n of ["Campaign", "Owner", "Status", "Title"]) assert.ok(names.includes(n), n);
    assert.deepEqual(columns.value.find((c: Item) => c.name === "Status").choice.choices, ["Draft", "Review", "Final"]);
  });

  test("items by path and by id, children with $select, $top paging and $expand", async () => {
    const brief: Item = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Brief.docx:")).get();
    assert.equal(brief.name, "Brief.docx");
    assert.match(brief.eTag, /^"\{[0-9A-F-]{36}\},\d+"$/);
    assert.match(brief.cTag, /^"c:\{[0-9A-F-]{36}\},\d+"$/);
    assert.match(brief.lastModifiedDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(brief.parentReference.path, `/drives/${ctx.emu.info.drive_id}/root:/Campaigns/2026`);
    const byId = await ctx.client.api(ctx.d(`/items/${brief.id}`)).get();
    assert.equal(byId.eTag, brief.eTag);
    const relative = await ctx.client.api(ctx.d(`/items/${brief.parentReference.id}:/Brief.docx:`)).get();
    assert.equal(relative.id, brief.id);

    const folder = await ctx.client.api(ctx.d("/root:/Campaigns/2026:")).get();
    const names: string[] = [];
    let page = await ctx.client
      .api(ctx.d(`/items/${folder.id}/children`))
      .select("id,name")
      .top(2)
      .get();
    assert.deepEqual(Object.keys(page.value[0]).sort(), ["id", "name"]);
    for (;;) {
      assert.ok(page.value.length <= 2);
      names.push(...page.value.map((c: Item) => c.name));
      if (!page["@odata.nextLink"]) break;
      page = await ctx.client.api(page["@odata.nextLink"]).get();
    }
    assert.deepEqual(names, ["Brief.docx", "Budget.xlsx", "Launch Plan.pptx", "Press Release.pdf", "Spring Notebook"]);

    const expanded = await ctx.client.api(ctx.d("/root:/Campaigns:")).expand("children").get();
    assert.deepEqual(
      expanded.children.map((c: Item) => c.name),
      ["2025", "2026"],
    );
    const notebook: Item = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Spring Notebook:")).get();
    assert.deepEqual(notebook.package, { type: "oneNote" });
    assert.equal(notebook.folder, undefined, "Graph gives a notebook the package facet only");
    assert.equal(notebook.cTag, undefined, "no cTag on a notebook");
    const sections = await ctx.client.api(ctx.d(`/items/${notebook.id}/children`)).get();
    assert.deepEqual(
      sections.value.map((c: Item) => c.name),
      ["Ideas.one", "Open Notebook.onetoc2"],
    );
  });

  test("unknown items answer 404 itemNotFound in Graph's envelope", async () => {
    const res = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/nope/missing.txt:"));
    assert.equal(res.status, 404);
    const body = (await res.json()) as Item;
    assert.equal(body.error.code, "itemNotFound");
    assert.match(body.error.innerError["request-id"], /^[0-9a-f-]{36}$/);
    assert.match(body.error.innerError.date, /Z$/);
    assert.equal(res.headers.get("request-id"), body.error.innerError["request-id"]);
  });

  test("content: 302 to an absolute pre-authenticated URL that honours Range", async () => {
    const res = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/Campaigns/2026/Brief.docx:/content"));
    assert.equal(res.status, 302);
    const location = res.headers.get("location")!;
    assert.ok(location.startsWith(ctx.emu.info.graph_base_url + "/"), location);
    const full = await fetch(location);
    assert.equal(await full.text(), "Spring launch brief - final\n");
    const part = await fetch(location, { headers: { range: "bytes=7-12" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), "bytes 7-12/28");
    assert.equal(await part.text(), "launch");
    const suffix = await fetch(location, { headers: { range: "bytes=-6" } });
    assert.equal(await suffix.text(), "final\n");
    const beyond = await fetch(location, { headers: { range: "bytes=100-" } });
    assert.equal(beyond.status, 416);
    await beyond.body?.cancel();
    // The SDK follows the redirect itself.
    const stream = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Budget.xlsx:/content")).getStream();
    const chunks: Buffer[] = [];
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
    assert.equal(Buffer.concat(chunks).toString(), "Budget 2026: 120000 EUR\n");
  });

  test(
    "simple upload creates (201) then versions (200); " + "eTag moves on every change, cTag only on content",
    async () => {
      const put = async (body: string, extra = ""): Promise<Response> =>
        graphFetch(ctx.emu, ctx.token, ctx.d(`/root:/Uploads/notes.txt:/content${extra}`), {
          method: "PUT",
          body,
          headers: { "content-type": "text/plain" },
        });
      const first = await put("first");
      assert.equal(first.status, 201);
      const v1 = (await first.json()) as Item;
      assert.equal(v1.size, 5);
      assert.equal(v1.file.hashes.quickXorHash, quickXorHashOf("first"));
      assert.ok(
        (await ctx.client.api(ctx.d("/root:/Uploads:")).get()).folder,
        "missing folders on the path are created",
      );
      const second = await put("second");
      assert.equal(second.status, 200);
      const v2 = (await second.json()) as Item;
      assert.equal(v2.id, v1.id);
      assert.notEqual(v2.eTag, v1.eTag);
      assert.notEqual(v2.cTag, v1.cTag);

      const renamed: Item = await ctx.client.api(ctx.d(`/items/${v1.id}`)).patch({ name: "renamed.txt" });
      assert.notEqual(renamed.eTag, v2.eTag);
      assert.equal(renamed.cTag, v2.cTag, "rename keeps cTag");
      const fields = await ctx.client.api(ctx.d(`/items/${v1.id}/listItem/fields`)).patch({ Campaign: "Autumn" });
      assert.equal(fields.Campaign, "Autumn");
      const afterFields: Item = await ctx.client.api(ctx.d(`/items/${v1.id}`)).get();
      assert.notEqual(afterFields.eTag, renamed.eTag);
      assert.equal(afterFields.cTag, v2.cTag, "column change keeps cTag");

      const versions = await ctx.client.api(ctx.d(`/items/${v1.id}/versions`)).get();
      assert.deepEqual(
        versions.value.map((v: Item) => v.id),
        ["2.0", "1.0"],
      );
      const old = await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${v1.id}/versions/1.0/content`));
      assert.equal(old.status, 302);
      assert.equal(await (await fetch(old.headers.get("location")!)).text(), "first");

      const stale = await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${v1.id}`), {
        method: "PATCH",
        headers: { "if-match": v1.eTag, "content-type": "application/json" },
        body: JSON.stringify({ name: "stale.txt" }),
      });
      assert.equal(stale.status, 412);
      assert.equal(((await stale.json()) as Item).error.code, "resourceModified");
      const fresh = await put("third", "?@microsoft.graph.conflictBehavior=fail");
      assert.equal(fresh.status, 201, "the old name is free after the rename");
      assert.notEqual(((await fresh.json()) as Item).id, v1.id);
      const conflict = await graphFetch(
        ctx.emu,
        ctx.token,
        ctx.d("/root:/Uploads/renamed.txt:/content?@microsoft.graph.conflictBehavior=fail"),
        { method: "PUT", body: "x" },
      );
      assert.equal(conflict.status, 409);
      assert.equal(((await conflict.json()) as Item).error.code, "nameAlreadyExists");
      const rename = await graphFetch(
        ctx.emu,
        ctx.token,
        ctx.d("/root:/Uploads/renamed.txt:/content?@microsoft.graph.conflictBehavior=rename"),
        { method: "PUT", body: "x" },
      );
      assert.equal(rename.status, 201);
      assert.equal(((await rename.json()) as Item).name, "renamed 1.txt");
    },
  );

  test("simple uploads above the limit answer 413 and store nothing", async () => {
    await control(ctx.emu, "limits", { simpleUploadMax: 1024 * 1024 });
    try {
      const res = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/big.bin:/content"), {
        method: "PUT",
        body: Buffer.alloc(1024 * 1024 + 1),
      });
      assert.equal(res.status, 413);
      assert.equal((await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/big.bin:"))).status, 404);
      const ok = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/big.bin:/content"), {
        method: "PUT",
        body: Buffer.alloc(1024 * 1024),
      });
      assert.equal(ok.status, 201);
    } finally {
      await control(ctx.emu, "limits", { simpleUploadMax: 250 * 1024 * 1024 });
    }
  });

  test("folders: create, move by parentReference, delete; case-insensitive collisions", async () => {
    const a: Item = await ctx.client.api(ctx.d("/root/children")).post({ name: "Move Source", folder: {} });
    const b: Item = await ctx.client.api(ctx.d("/root/children")).post({ name: "Move Target", folder: {} });
    const dup = await graphFetch(ctx.emu, ctx.token, ctx.d("/root/children"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "move source", folder: {} }),
    });
    assert.equal(dup.status, 409);
    assert.equal(((await dup.json()) as Item).error.code, "nameAlreadyExists");
    const moved: Item = await ctx.client
      .api(ctx.d(`/items/${a.id}`))
      .patch({ parentReference: { id: b.id }, name: "Moved" });
    assert.equal(moved.parentReference.id, b.id);
    assert.equal((await ctx.client.api(ctx.d("/root:/Move Target/Moved:")).get()).id, a.id);
    const caseOnly: Item = await ctx.client.api(ctx.d(`/items/${a.id}`)).patch({ name: "MOVED" });
    assert.equal(caseOnly.name, "MOVED");
    const below = await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${b.id}`), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parentReference: { id: a.id } }),
    });
    assert.equal(below.status, 400);
    await ctx.client.api(ctx.d(`/items/${b.id}`)).delete();
    assert.equal(
      (await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${a.id}`))).status,
      404,
      "children go with their folder",
    );
  });

  test("list item fields: GET with $expand=fields, PATCH validation", async () => {
    const li = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Brief.docx:/listItem")).expand("fields").get();
    assert.equal(li.fields.Campaign, "Spring Launch");
    assert.equal(li.fields.Owner, "Alice Cooper");
    assert.equal(li.fields.FileLeafRef, "Brief.docx");
    const bad = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/Campaigns/2026/Budget.xlsx:/listItem/fields"), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ NoSuchColumn: 1 }),
    });
    assert.equal(bad.status, 400);
    const badChoice = await graphFetch(
      ctx.emu,
      ctx.token,
      ctx.d("/root:/Campaigns/2026/Budget.xlsx:/listItem/fields"),
      { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ Status: "Nope" }) },
    );
    assert.equal(badChoice.status, 400);
  });

  test("versions: the fixture file with three versions, newest first", async () => {
    const versions = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Brief.docx:/versions")).get();
    assert.deepEqual(
      versions.value.map((v: Item) => v.id),
      ["3.0", "2.0", "1.0"],
    );
    assert.equal(versions.value[0].lastModifiedBy.user.displayName, "Bob Stone");
    const first = await graphFetch(ctx.emu, ctx.token, ctx.d("/root:/Campaigns/2026/Brief.docx:/versions/1.0/content"));
    assert.equal(await (await fetch(first.headers.get("location")!)).text(), "Spring launch brief - first draft\n");
  });

  test("permissions: inherited with inheritedFrom, broken inheritance without", async () => {
    const inherited = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Budget.xlsx:/permissions")).get();
    const kinds = inherited.value.map((p: Item) => Object.keys(p.grantedToV2)[0]).sort();
    assert.deepEqual(kinds, ["group", "siteGroup", "siteGroup", "siteGroup"]);
    for (const p of inherited.value) assert.ok(p.inheritedFrom?.id, "inherited permission names its source");
    const group = inherited.value.find((p: Item) => p.grantedToV2.group);
    assert.equal(group.grantedToV2.group.displayName, "Marketing");
    assert.deepEqual(group.roles, ["write"]);
    const unique = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Press Release.pdf:/permissions")).get();
    assert.equal(unique.value.length, 2);
    for (const p of unique.value) assert.equal(p.inheritedFrom, undefined);
    const alice = unique.value.find((p: Item) => p.grantedToV2.user);
    assert.equal(alice.grantedToV2.user.email, "alice@contoso.onmicrosoft.com");

    await control(ctx.emu, "content/permissions", {
      path: "Campaigns/2025",
      grants: [{ siteUser: "guest@partner.example", roles: ["read"] }],
    });
    const site = await ctx.client.api(ctx.d("/root:/Campaigns/2025:/permissions")).get();
    assert.equal(site.value[0].grantedToV2.siteUser.displayName, "guest@partner.example");
  });

  test("check-out: publication level and 423 for others' writes", async () => {
    const plan: Item = await ctx.client.api(ctx.d("/root:/Campaigns/2026/Launch Plan.pptx:")).get();
    assert.equal(plan.publication.level, "checkout");
    const locked = await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${plan.id}/content`), {
      method: "PUT",
      body: "overwrite",
    });
    assert.equal(locked.status, 423);
    const lockedRename = await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${plan.id}`), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x.pptx" }),
    });
    assert.equal(lockedRename.status, 423);
    await control(ctx.emu, "content/checkin", {
      path: "Campaigns/2026/Launch Plan.pptx",
      user: "bob@contoso.onmicrosoft.com",
      comment: "done",
    });
    assert.equal((await ctx.client.api(ctx.d(`/items/${plan.id}`)).get()).publication.level, "published");
    await ctx.client.api(ctx.d(`/items/${plan.id}/checkout`)).post({});
    assert.equal((await ctx.client.api(ctx.d(`/items/${plan.id}`)).get()).publication.level, "checkout");
    await assert.rejects(
      control(ctx.emu, "content/files", {
        path: "Campaigns/2026/Launch Plan.pptx",
        content: "bob edits",
        user: "bob@contoso.onmicrosoft.com",
      }),
      /423/,
    );
    await ctx.client.api(ctx.d(`/items/${plan.id}/checkin`)).post({ comment: "ok" });
    const mine = await graphFetch(ctx.emu, ctx.token, ctx.d(`/items/${plan.id}/content`), {
      method: "PUT",
      body: "new slides",
    });
    assert.equal(mine.status, 200);
  });

  test("directory: users and groups with $search (ConsistencyLevel) and startswith", async () => {
    const search = await ctx.client
      .api("/users")
      .header("ConsistencyLevel", "eventual")
      .search('"displayName:ali"')
      .get();
    assert.deepEqual(
      search.value.map((u: Item) => u.displayName),
      ["Alice Cooper"],
    );
    const noHeader = await graphFetch(
      ctx.emu,
      ctx.token,
      `/v1.0/users?$search=${encodeURIComponent('"displayName:ali"')}`,
    );
    assert.equal(noHeader.status, 400);
    const filtered = await ctx.client.api("/users").filter("startswith(displayName,'Bo')").get();
    assert.deepEqual(
      filtered.value.map((u: Item) => u.userPrincipalName),
      ["bob@contoso.onmicrosoft.com"],
    );
    const groups = await ctx.client
      .api("/groups")
      .header("ConsistencyLevel", "eventual")
      .search('"displayName:mark"')
      .get();
    assert.equal(groups.value[0].displayName, "Marketing");
    const one = await ctx.client.api(`/groups/${groups.value[0].id}`).get();
    assert.equal(one.mailNickname, "marketing");
    const user = await ctx.client.api(`/users/${ctx.emu.info.users[0].id}`).get();
    assert.equal(user.mail, ctx.emu.info.users[0].email);
    assert.equal(user.password, undefined);
  });
});

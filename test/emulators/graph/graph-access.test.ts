import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { appToken, control, demoWithApps, graphClient, graphFetch, useEmulator } from "./graph-test-support.js";

type Item = Record<string, any>;
const MARKETING = "https://contoso.sharepoint.com/sites/marketing";
const APPS = {
  none: "44444444-0000-4000-8000-000000000001",
  read: "44444444-0000-4000-8000-000000000002",
  readAll: "44444444-0000-4000-8000-000000000003",
};

describe("Graph authorisation and faults", () => {
  const ctx = useEmulator(() =>
    demoWithApps([
      {
        appId: APPS.none,
        displayName: "Selected, no grant",
        secrets: [{ value: `secret-${APPS.none}` }],
        appRoles: ["Sites.Selected"],
      },
      {
        appId: APPS.read,
        displayName: "Selected, read grant",
        secrets: [{ value: `secret-${APPS.read}` }],
        appRoles: ["Sites.Selected"],
        siteGrants: [{ site: MARKETING, roles: ["read"] }],
      },
      {
        appId: APPS.readAll,
        displayName: "Sites.Read.All",
        secrets: [{ value: `secret-${APPS.readAll}` }],
        appRoles: ["Sites.Read.All"],
      },
    ]),
  );
  const tokenFor = (appId: string): Promise<string> => appToken(ctx.emu, appId, `secret-${appId}`);

  test("requests without a valid bearer token answer 401 InvalidAuthenticationToken", async () => {
    const none = await graphFetch(ctx.emu, undefined, ctx.d("/root"));
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as Item).error.code, "InvalidAuthenticationToken");
    const forged = await graphFetch(ctx.emu, ctx.token.slice(0, -4) + "AAAA", ctx.d("/root"));
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
  });

  test("Sites.Selected without a grant gets 403 accessDenied and finds no site", async () => {
    const t = await tokenFor(APPS.none);
    for (const path of [`/sites/${ctx.emu.info.site_id}`, ctx.d("/root"), ctx.d("/root/delta")]) {
      const res = await graphFetch(ctx.emu, t, path);
      assert.equal(res.status, 403, path);
      assert.equal(((await res.json()) as Item).error.code, "accessDenied");
    }
    const search = (await (await graphFetch(ctx.emu, t, "/sites?search=marketing")).json()) as Item;
    assert.deepEqual(search.value, []);
  });

  test("a read-only grant reads but gets 403 on every write", async () => {
    for (const appId of [APPS.read, APPS.readAll]) {
      const t = await tokenFor(appId);
      const c = graphClient(ctx.emu, t);
      const root = await c.api(ctx.d("/root")).get();
      assert.ok(root.root);
      const put = await graphFetch(ctx.emu, t, ctx.d("/root:/ro.txt:/content"), { method: "PUT", body: "x" });
      assert.equal(put.status, 403, appId);
      assert.equal(((await put.json()) as Item).error.code, "accessDenied");
      const mkdir = await graphFetch(ctx.emu, t, ctx.d("/root/children"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "ro", folder: {} }),
      });
      assert.equal(mkdir.status, 403);
      const del = await graphFetch(ctx.emu, t, ctx.d("/root:/Campaigns/2026/Budget.xlsx:"), { method: "DELETE" });
      assert.equal(del.status, 403);
      await Promise.all([mkdir.body?.cancel(), del.body?.cancel()]);
    }
    const t = await tokenFor(APPS.read);
    const sites = (await (await graphFetch(ctx.emu, t, "/sites?search=*")).json()) as Item;
    assert.deepEqual(
      sites.value.map((s: Item) => s.webUrl),
      [MARKETING],
      "only the granted site is visible",
    );
    const other = (await (
      await graphFetch(ctx.emu, ctx.token, "/sites/contoso.sharepoint.com:/sites/engineering")
    ).json()) as Item;
    const denied = await graphFetch(ctx.emu, t, `/sites/${other.id}/drives`);
    assert.equal(denied.status, 403);
    await denied.body?.cancel();
  });

  test("429 with Retry-After is retried by the SDK's RetryHandler; counters see every attempt", async () => {
    await control(ctx.emu, "counters", undefined, "DELETE");
    await control(ctx.emu, "faults", { kind: "429", route: "GET /drives/{drive-id}/root", count: 2, retryAfterSec: 1 });
    const root = await ctx.client.api(ctx.d("/root")).get();
    assert.ok(root.root);
    const counters = (await control(ctx.emu, "counters", undefined, "GET")) as Record<string, number>;
    assert.equal(counters["GET /drives/{drive-id}/root"], 3);
    const faults = (await control(ctx.emu, "faults", undefined, "GET")) as Item;
    assert.equal(faults.value[0].fired, 2);
    await control(ctx.emu, "faults", undefined, "DELETE");
  });

  test("plain HTTPS sees the 429 envelope and Retry-After; 503 is retried too; 500 is not", async () => {
    await control(ctx.emu, "faults", { kind: "429", path: "/root/children$", count: 1, retryAfterSec: 7 });
    const res = await graphFetch(ctx.emu, ctx.token, ctx.d("/root/children"));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "7");
    assert.equal(((await res.json()) as Item).error.code, "TooManyRequests");

    await control(ctx.emu, "faults", { kind: "503", path: "/root/children$", count: 1, retryAfterSec: 1 });
    const children = await ctx.client.api(ctx.d("/root/children")).get();
    assert.ok(children.value.length > 0);

    await control(ctx.emu, "faults", { kind: "500", path: "/root/children$", count: 1 });
    await assert.rejects(
      ctx.client.api(ctx.d("/root/children")).get(),
      (err: Item) => err.statusCode === 500 && err.code === "generalException",
    );
    await control(ctx.emu, "faults", undefined, "DELETE");
  });

  test("connection reset and slow responses", async () => {
    await control(ctx.emu, "faults", { kind: "reset", path: "/root$", method: "GET", count: 1 });
    await assert.rejects(graphFetch(ctx.emu, ctx.token, ctx.d("/root")), TypeError);
    const ok = await graphFetch(ctx.emu, ctx.token, ctx.d("/root"));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    await control(ctx.emu, "faults", { kind: "slow", path: "/root$", delayMs: 200, count: 1 });
    const slow = await graphFetch(ctx.emu, ctx.token, ctx.d("/root"));
    assert.equal(slow.status, 200);
    await slow.body?.cancel();
    const rules = (await control(ctx.emu, "faults", undefined, "GET")) as Item;
    assert.deepEqual(
      rules.value.map((r: Item) => r.fired),
      [1, 1],
    );
    await control(ctx.emu, "faults", undefined, "DELETE");
  });
});

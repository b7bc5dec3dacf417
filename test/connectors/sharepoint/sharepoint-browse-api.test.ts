/**
 * What the web client's SharePoint browser and sign-in landing need from the API, over real HTTP against the Graph
 * emulator: `GET /{id}/folders` (sub-folders by name, paged, the connector's library by default, 404 for a missing
 * folder, 400 for a path outside the library); who signed in (`authorized_user`,
 * `authorized_at`, never a token); a browser whose sign-in fails is sent back to the connection's page with the error.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SP, control, expectStatus, newShare, startApiWorld, type ApiWorld } from "./sharepoint-api-kit.js";

const ALICE_UPN = "alice@contoso.onmicrosoft.com";

describe("SharePoint connector API (browsing folders, who signed in)", () => {
  let w: ApiWorld;
  let shareId: string;
  let appId: string;
  before(async () => {
    w = await startApiWorld();
    shareId = await newShare(w);
    await control(w.emu, "content/folders", { path: "Campaigns/2026/Assets" });
    await control(w.emu, "content/folders", { path: "Campaigns/archive" });
    appId = expectStatus(
      await w.api("POST", SP, {
        name: "Browse",
        site_id: w.emu.info.site_id,
        drive_id: w.emu.info.drive_id,
        library_name: "Documents",
        azure_tenant_id: w.emu.info.tenant_id,
        azure_client_id: w.emu.info.client_id,
        azure_client_secret: w.emu.info.client_secret,
        target_share_id: shareId,
      }),
      201,
      "create",
    ).id;
  });
  after(async () => {
    await w?.close();
  });

  test("folders of the library root and of a sub-folder, by name, with child counts; no files", async () => {
    const root = expectStatus(await w.api("GET", `${SP}/${appId}/folders`), 200, "root");
    assert.deepEqual(
      root.items.map((f: { path: string }) => f.path),
      ["Campaigns"],
    );
    assert.equal(root.next_cursor, null);
    const drive = encodeURIComponent(w.emu.info.drive_id);
    const sub = expectStatus(
      await w.api("GET", `${SP}/${appId}/folders?drive_id=${drive}&path=${encodeURIComponent("Campaigns")}`),
      200,
      "Campaigns",
    );
    assert.deepEqual(
      sub.items.map((f: { name: string; path: string }) => [f.name, f.path]),
      [
        ["2025", "Campaigns/2025"],
        ["2026", "Campaigns/2026"],
        ["archive", "Campaigns/archive"],
      ],
    );
    const y2026 = sub.items.find((f: { name: string }) => f.name === "2026");
    assert.ok(typeof y2026.child_count === "number" && y2026.child_count >= 5, JSON.stringify(y2026));
    const inside = expectStatus(
      await w.api("GET", `${SP}/${appId}/folders?path=${encodeURIComponent("Campaigns/2026")}`),
      200,
      "2026",
    );
    // Brief.docx, Budget.xlsx… are files; the OneNote notebook is one unit: only the folder is listed.
    assert.deepEqual(
      inside.items.map((f: { path: string }) => f.path),
      ["Campaigns/2026/Assets"],
    );
  });

  test("pages of `limit` with next_cursor", async () => {
    const first = expectStatus(await w.api("GET", `${SP}/${appId}/folders?path=Campaigns&limit=2`), 200, "page 1");
    assert.equal(first.items.length, 2);
    assert.ok(first.next_cursor);
    const second = expectStatus(
      await w.api("GET", `${SP}/${appId}/folders?path=Campaigns&limit=2&cursor=${first.next_cursor}`),
      200,
      "page 2",
    );
    assert.deepEqual(
      second.items.map((f: { name: string }) => f.name),
      ["archive"],
    );
    assert.equal(second.next_cursor, null);
    const bad = await w.api("GET", `${SP}/${appId}/folders?cursor=nonsense`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.field, "cursor");
  });

  test("a missing folder is 404 NOT_FOUND; a path leaving the library is 400 naming path", async () => {
    const missing = await w.api("GET", `${SP}/${appId}/folders?path=${encodeURIComponent("Campaigns/1999")}`);
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    assert.equal(missing.body.error.code, "NOT_FOUND");
    assert.match(missing.body.error.message, /Campaigns\/1999/);
    const escape = await w.api("GET", `${SP}/${appId}/folders?path=${encodeURIComponent("Campaigns/../..")}`);
    assert.equal(escape.status, 400);
    assert.equal(escape.body.error.details.field, "path");
    const other = await w.api("GET", `${SP}/${appId}/folders?drive_id=b!nope`);
    assert.equal(other.status, 404, JSON.stringify(other.body));
  });

  test("a completed sign-in shows who signed in and when (no token); a failed one goes back to the page", async () => {
    const id = expectStatus(
      await w.api("POST", SP, {
        name: "Delegated browse",
        site_id: w.emu.info.site_id,
        drive_id: w.emu.info.drive_id,
        library_name: "Documents",
        azure_tenant_id: w.emu.info.tenant_id,
        azure_client_id: w.emu.info.client_id,
        azure_client_secret: w.emu.info.client_secret,
        auth_type: "user_auth",
        target_share_id: shareId,
      }),
      201,
      "create",
    ).id;
    const before = Date.now();
    const auth = expectStatus(await w.api("POST", `${SP}/${id}/authorize`, { login_hint: ALICE_UPN }), 200, "auth");
    const toCallback = await fetch(auth.authorization_url, { redirect: "manual" });
    const landed = await fetch(toCallback.headers.get("location")!, {
      redirect: "manual",
      headers: { accept: "text/html" },
    });
    assert.equal(landed.status, 302);
    assert.equal(landed.headers.get("location"), `${w.url}/connectors/sharepoint/${id}?authorized=true`);
    const view = expectStatus(await w.api("GET", `${SP}/${id}`), 200, "read");
    assert.deepEqual(view.authorized_user, { name: "Alice Cooper", email: ALICE_UPN });
    assert.ok(Date.parse(view.authorized_at) >= before - 1000, view.authorized_at);
    assert.equal(view.refresh_token_set, true);
    assert.ok(!JSON.stringify(view).includes('refresh_token"'), "no token in the view");

    // Entra sends the user back with an error (consent refused): the page shows it.
    const again = expectStatus(await w.api("POST", `${SP}/${id}/authorize`), 200, "auth again");
    const state = new URL(again.authorization_url).searchParams.get("state")!;
    const refused = await fetch(
      `${w.url}${SP}/oauth/callback?state=${encodeURIComponent(state)}&error=access_denied&error_description=${encodeURIComponent("AADSTS65004: User declined to consent.\r\nTrace ID: x")}`,
      { redirect: "manual", headers: { accept: "text/html" } },
    );
    assert.equal(refused.status, 302);
    const location = new URL(refused.headers.get("location")!);
    assert.equal(location.pathname, `/connectors/sharepoint/${id}`);
    assert.match(
      location.searchParams.get("sign_in_error")!,
      /access_denied.*AADSTS65004: User declined to consent\.\)$/,
    );
    // A JSON caller still gets the 400, and an unknown state has no page to go back to.
    const unknown = await fetch(`${w.url}${SP}/oauth/callback?code=abc&state=made-up`, {
      redirect: "manual",
      headers: { accept: "text/html" },
    });
    assert.equal(unknown.status, 400);
  });
});

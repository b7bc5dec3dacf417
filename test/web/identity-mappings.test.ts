/**
 * Identity mappings on a connection's page and the list's Next run column, against the real server and the Graph +
 * Entra emulator: a SharePoint (app_auth) connection maps an Entra user found by part of the name to a ScaiDrive
 * user, shown by name; the same Entra user again is refused with the 409 in words; an Entra group is mapped with the
 * keyboard alone; Remove asks first. An SMB connection (mappings do not connect, so no smbd) takes a free-text
 * principal with the spelling hint, trimmed. The list says when each connection runs next.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startEmulator } from "../connectors/sharepoint/sharepoint-test-kit.js";
import type { GraphEmulator } from "../emulators/graph/emulator.js";
import { adminAccount, createAccount, signedInContext } from "./accounts.js";
import { launchBrowser, screenshot } from "./browser.js";
import { animationsSettled, assertAccessible, isFocused, waitForText } from "./page-checks.js";

const SP = "/api/v1/sharepoint-connectors";
const SMB = "/api/v1/smb-connectors";
const ALICE_ENTRA = "aaaaaaaa-0000-4000-8000-00000000a11c";

describe("identity mappings and next run", () => {
  let emu: GraphEmulator;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let spId: string;
  let smbId: string;

  const created = (r: { status: number; body: any }, what: string) => {
    assert.equal(r.status, 201, `${what}: ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async () => {
    emu = await startEmulator();
    process.env.SCAIDRIVE_ENTRA_AUTHORITY_HOST = emu.info.authority_host;
    process.env.SCAIDRIVE_GRAPH_BASE_URL = emu.info.graph_base_url;
    // The scheduler stays out of the way: the runs the list announces are not started during the test.
    s = await startTestServer({ withFeatureRoutes: true, sync: { schedulerTickMs: 3_600_000 } });
    const shareId = created(await s.api("POST", "/api/v1/shares", { json: { name: "Marketing" } }), "share").id;
    await createAccount(s, { email: "alice.martin@example.com", name: "Alice Martin" });
    created(await s.api("POST", "/api/v1/groups", { json: { name: "Marketing team" } }), "group");
    const info = emu.info;
    spId = created(
      await s.api("POST", SP, {
        json: {
          name: "Marketing library",
          site_id: info.site_id,
          drive_id: info.drive_id,
          library_name: "Documents",
          azure_tenant_id: info.tenant_id,
          azure_client_id: info.client_id,
          azure_client_secret: info.client_secret,
          auth_type: "app_auth",
          target_share_id: shareId,
          target_path: "/From SharePoint",
          sync_permissions: true,
          sync_interval_minutes: 30,
        },
      }),
      "SharePoint connector",
    ).id;
    const smb = (over: Record<string, unknown>) => ({
      server_host: "127.0.0.1",
      share_name: "share",
      domain: "CORP",
      username: "svc",
      password: "service password",
      target_share_id: shareId,
      sync_permissions: true,
      ...over,
    });
    smbId = created(
      await s.api("POST", SMB, { json: smb({ name: "Finance fileserver", target_path: "/Finance" }) }),
      "SMB connector",
    ).id;
    created(
      await s.api("POST", SMB, {
        json: smb({ name: "Old archive", target_path: "/Archive", sync_interval_minutes: 60, enabled: false }),
      }),
      "disabled SMB connector",
    );
    browser = await launchBrowser();
    context = await signedInContext(browser, s.url, await adminAccount(s));
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
    await emu?.close();
  });

  const dialog = () => page.getByRole("dialog", { name: "Add identity mapping" });
  const openAdd = () =>
    page.getByRole("region", { name: "Identity mappings" }).getByRole("button", { name: "Add mapping" });
  const mappings = () => page.getByRole("table", { name: "Identity mappings" });
  const mappingRow = (text: string) => mappings().getByRole("row").filter({ hasText: text });
  const listMappings = async (id: string, base: string) =>
    (await s.api("GET", `${base}/${id}/identity-mappings`)).body.identity_mappings as any[];

  test("the list says when each connection runs next: in 30 min, Manual only, Off", async () => {
    await page.goto("/connectors");
    const table = page.getByRole("table", { name: "Connections" });
    await table.getByRole("row").filter({ hasText: "Marketing library" }).waitFor();
    const headers = await table.getByRole("columnheader").allInnerTexts();
    const column = headers.findIndex((h) => h.trim() === "Next run");
    assert.ok(column >= 0, `a Next run column in ${JSON.stringify(headers)}`);
    const nextRun = (name: string) =>
      table.getByRole("row").filter({ hasText: name }).getByRole("cell").nth(column).innerText();
    assert.match(await nextRun("Marketing library"), /^in (29|30) min$/);
    assert.equal(await nextRun("Finance fileserver"), "Manual only");
    assert.equal(await nextRun("Old archive"), "Off");
    // The exact time is there on hover and for assistive technology.
    const time = table.getByRole("row").filter({ hasText: "Marketing library" }).locator("time");
    const spView = (await s.api("GET", `${SP}/${spId}`)).body;
    assert.equal(await time.getAttribute("datetime"), spView.next_run_at);
    await assertAccessible(page, "Connections with Next run");
    await screenshot(page, "connectors-next-run");
  });

  test("map an Entra user found by search to a ScaiDrive user; it is listed by name", async () => {
    await page.goto(`/connectors/sharepoint/${spId}`);
    await page.getByRole("heading", { name: "Marketing library", level: 1 }).waitFor();
    await waitForText(page.getByText(/^Next run: /), /^Next run: in (29|30) min$/);
    const section = page.getByRole("region", { name: "Identity mappings" });
    await section.getByText("No identity mappings yet.").waitFor();

    await openAdd().click();
    await dialog().waitFor();
    const search = dialog().getByRole("combobox", { name: "Entra user or group" });
    assert.ok(await isFocused(search), "the search box has the focus");
    await search.fill("coop");
    const alice = page.getByRole("option", { name: /Alice Cooper/ });
    await alice.waitFor();
    assert.match(await alice.innerText(), /alice@contoso\.onmicrosoft\.com/);
    await animationsSettled(page);
    await screenshot(page, "identity-mapping-entra-search");
    await alice.click();
    assert.equal(await search.inputValue(), "Alice Cooper");

    const target = dialog().getByRole("combobox", { name: "ScaiDrive user" });
    await target.fill("Alice M");
    // An Entra user maps to a ScaiDrive user: the group is not offered.
    await page.getByRole("option", { name: /Alice Martin/ }).click();
    await waitForText(dialog(), /Maps to Alice Martin/);
    await assertAccessible(page, "Add identity mapping, filled");
    await dialog().getByRole("button", { name: "Add mapping" }).click();
    await dialog().waitFor({ state: "detached" });

    const row = mappingRow("Alice Cooper");
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /Alice Cooper <alice@contoso\.onmicrosoft\.com>/);
    assert.match(text, new RegExp(ALICE_ENTRA));
    assert.match(text, /User/);
    assert.match(text, /Alice Martin/);
    const [stored] = await listMappings(spId, SP);
    assert.equal(stored.smb_principal, ALICE_ENTRA);
    assert.equal(stored.identity_type, "user");
    assert.equal(stored.remote_display_name, "Alice Cooper <alice@contoso.onmicrosoft.com>");
    await assertAccessible(page, "Identity mappings");
    await page.getByRole("region", { name: "Identity mappings" }).evaluate((el) => el.scrollIntoView());
    await screenshot(page, "identity-mappings");
  });

  test("the same Entra user again: refused with the 409 in words; Escape closes the dialog", async () => {
    await openAdd().click();
    await dialog().waitFor();
    await dialog().getByRole("combobox", { name: "Entra user or group" }).fill("Alice");
    await page.getByRole("option", { name: /Alice Cooper/ }).click();
    await dialog().getByRole("combobox", { name: "ScaiDrive user" }).fill("Alice");
    await page.getByRole("option", { name: /Alice Martin/ }).click();
    await dialog().getByRole("button", { name: "Add mapping" }).click();
    const alert = dialog().getByRole("alert");
    await waitForText(alert, /already mapped on this connection/);
    assert.match(await alert.innerText(), /Alice Cooper <alice@contoso\.onmicrosoft\.com> is already mapped/);
    assert.ok(!(await alert.innerText()).includes(ALICE_ENTRA), "named as the user knows it, not by object id");
    await page.keyboard.press("Escape");
    await dialog().waitFor({ state: "detached" });
    assert.equal((await listMappings(spId, SP)).length, 1);
  });

  test("keyboard only: an Entra group mapped to a ScaiDrive group", async () => {
    const open = openAdd();
    await open.focus();
    await page.keyboard.press("Enter");
    await dialog().waitFor();
    const search = dialog().getByRole("combobox", { name: "Entra user or group" });
    assert.ok(await isFocused(search));
    await page.keyboard.type("Market");
    await page.getByRole("option", { name: /Marketing/ }).waitFor();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await waitForText(dialog().getByText("An Entra group maps to a ScaiDrive group."), /group/);
    await page.keyboard.press("Tab");
    const target = dialog().getByRole("combobox", { name: "ScaiDrive group" });
    assert.ok(await isFocused(target), "Tab moves to the ScaiDrive picker");
    await page.keyboard.type("Marketing");
    await page.getByRole("option", { name: /Marketing team/ }).waitFor();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await waitForText(dialog(), /Maps to Marketing team/);
    const submit = dialog().getByRole("button", { name: "Add mapping" });
    for (let i = 0; i < 5 && !(await isFocused(submit)); i++) await page.keyboard.press("Tab");
    assert.ok(await isFocused(submit), "Tab reaches Add mapping");
    await page.keyboard.press("Enter");
    await dialog().waitFor({ state: "detached" });
    const row = mappingRow("Marketing team");
    await row.waitFor();
    assert.match(await row.innerText(), /Group/);
    const group = (await listMappings(spId, SP)).find((m) => m.identity_type === "group");
    assert.match(group.scaidrive_principal_id, /^grp_/);
    assert.match(group.remote_display_name, /^Marketing/);
  });

  test("Remove asks first, then the mapping is gone", async () => {
    await page.getByRole("button", { name: /^Remove mapping for Alice Cooper/ }).click();
    const confirm = page.getByRole("dialog", { name: "Remove identity mapping" });
    await confirm.waitFor();
    assert.match(await confirm.innerText(), /Alice Cooper/);
    await assertAccessible(page, "Remove identity mapping");
    await confirm.getByRole("button", { name: "Remove" }).click();
    await confirm.waitFor({ state: "detached" });
    await mappingRow("Alice Cooper").waitFor({ state: "detached" });
    const left = await listMappings(spId, SP);
    assert.deepEqual(
      left.map((m) => m.identity_type),
      ["group"],
    );
  });

  test("SMB: a free-text principal with the spelling hint, trimmed; empty and duplicate refused in words", async () => {
    await page.goto(`/connectors/smb/${smbId}`);
    await page.getByRole("heading", { name: "Finance fileserver", level: 1 }).waitFor();
    await waitForText(page.getByText(/^Next run: /), /^Next run: Manual only$/);
    await openAdd().click();
    await dialog().waitFor();
    const principal = dialog().getByRole("textbox", { name: "SMB user or group" });
    assert.ok(await isFocused(principal));
    const hint = await principal.getAttribute("aria-describedby");
    assert.ok(hint, "the hint describes the box");
    assert.match(await page.locator(`[id="${hint!.split(" ")[0]}"]`).innerText(), /DOMAIN\\user or DOMAIN\\group/);

    await dialog().getByRole("button", { name: "Add mapping" }).click();
    await dialog().getByText("Enter the user or group as the file server names it.").waitFor();
    await dialog().getByText("Choose the ScaiDrive user or group it becomes.").waitFor();

    await principal.fill("  CORP\\alice  ");
    await dialog().getByRole("combobox", { name: "ScaiDrive user or group" }).fill("Alice");
    await page.getByRole("option", { name: /Alice Martin/ }).click();
    await animationsSettled(page);
    await screenshot(page, "identity-mapping-smb");
    await dialog().getByRole("button", { name: "Add mapping" }).click();
    await dialog().waitFor({ state: "detached" });
    const row = mappingRow("CORP\\alice");
    await row.waitFor();
    assert.match(await row.innerText(), /Alice Martin/);
    const [stored] = await listMappings(smbId, SMB);
    assert.equal(stored.smb_principal, "CORP\\alice");
    assert.equal(stored.remote_display_name, null);

    await openAdd().click();
    await dialog().getByRole("textbox", { name: "SMB user or group" }).fill("corp\\ALICE");
    await dialog().getByRole("combobox", { name: "ScaiDrive user or group" }).fill("Marketing");
    await page.getByRole("option", { name: /Marketing team/ }).click();
    await dialog().getByRole("button", { name: "Add mapping" }).click();
    await waitForText(dialog().getByRole("alert"), /corp\\ALICE is already mapped on this connection/);
    await dialog().getByRole("button", { name: "Cancel" }).click();
    await dialog().waitFor({ state: "detached" });
    assert.equal((await listMappings(smbId, SMB)).length, 1);
  });
});

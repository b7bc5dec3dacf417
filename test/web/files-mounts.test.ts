/**
 * Mount points in the folder view. The mount's remote is another share of the same server seen through the
 * ScaiDrive Remote (the sync engine's own adapter), under a minimal test connector type — the view only needs a
 * mount and a readable connector name.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Type } from "typebox";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { ConnectorDefinition } from "../../src/connectors/connector-definition.js";
import { SYSTEM_ACTOR } from "../../src/core/actor.js";
import { createConnectorRoutes } from "../../src/server/connector-routes.js";
import { mountRoutes } from "../../src/server/routes/mount-routes.js";
import { ScaidriveRemote } from "../../src/sync/scaidrive-remote.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminAccount, signedInContext } from "./accounts.js";
import { launchBrowser, seriousA11yViolations } from "./browser.js";
import { createShare, folderUrl, openFolder, putFile, row } from "./files-kit.js";

describe("file browser: mount points", () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shareId: string;
  let remoteShareId: string;

  before(async () => {
    const def: ConnectorDefinition = {
      type: "sharepoint",
      remoteName: "sharepoint",
      title: "Test connector",
      configSchema: Type.Object({ library_label: Type.String({ default: "Documents" }) }),
      secretFields: [],
      immutableFields: [],
      secretScopeFields: [],
      principalField: "sharepoint_principal",
      defaultDirection: "sharepoint_to_scaidrive",
      async openRemote() {
        return new ScaidriveRemote({
          nodes: s.built.context.nodes,
          shareId: remoteShareId,
          rootPath: "/",
          actor: SYSTEM_ACTOR,
          serviceUserId: null,
        });
      },
      async test() {
        return { success: true, message: "ok", error: null };
      },
    };
    s = await startTestServer({
      sync: { definitions: [def] },
      plugins: [createConnectorRoutes(def, "/api/v1/sharepoint-connectors"), mountRoutes],
    });
    browser = await launchBrowser();
    shareId = await createShare(s, "Departments");
    remoteShareId = await createShare(s, "Elsewhere");
    await putFile(s, remoteShareId, "/campaign.txt", "spring campaign\n");
    await putFile(s, shareId, "/budget.txt", "numbers\n");
    const connector = await s.api("POST", "/api/v1/sharepoint-connectors", {
      json: { name: "Marketing library", target_share_id: shareId, target_path: "/sync", sync_interval_minutes: 0 },
    });
    assert.equal(connector.status, 201, JSON.stringify(connector.body));
    const mount = await s.api("POST", "/api/v1/mounts", {
      json: { share_id: shareId, path: "/Marketing", connector_id: connector.body.id },
    });
    assert.equal(mount.status, 201, JSON.stringify(mount.body));
    context = await signedInContext(browser, s.url, await adminAccount(s));
    page = await context.newPage();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
  });

  test("a mount point shows a Mount icon and its connector's name; inside, the remote's files", async () => {
    await openFolder(page, folderUrl(s, shareId));
    const mounted = row(page, "Marketing");
    await mounted.getByTitle("Mount").waitFor();
    assert.match(await mounted.innerText(), /Marketing library/);
    assert.equal(await row(page, "budget.txt").getByTitle("Mount").count(), 0);
    assert.deepEqual(await seriousA11yViolations(page), []);

    await mounted.getByRole("link", { name: "Marketing" }).click();
    await page.getByRole("heading", { name: "Marketing", level: 1 }).waitFor();
    await page.getByTitle("Mount").getByText("Marketing library").waitFor();
    await page.getByRole("button", { name: "campaign.txt" }).click();
    await page.getByRole("region", { name: "Details" }).getByText("spring campaign").waitFor();
  });
});

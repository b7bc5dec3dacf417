import type { Browser, BrowserContext, Page } from "playwright-core";
import type { TestServer } from "../harness/server.js";

export interface TestAccount {
  id: string;
  email: string;
  name: string;
  password: string;
}

/** Creates a user through the API with the admin token and gives it a password (PUT /users/{id}/password). */
export async function createAccount(
  s: TestServer,
  input: { email: string; name: string; password?: string; is_admin?: boolean },
): Promise<TestAccount> {
  const password = input.password ?? "correct horse battery staple";
  const created = await s.api("POST", "/api/v1/users", {
    json: { email: input.email, name: input.name, is_admin: input.is_admin ?? false },
  });
  if (created.status !== 201) throw new Error(`create user: ${created.status} ${JSON.stringify(created.body)}`);
  const set = await s.api("PUT", `/api/v1/users/${created.body.id}/password`, { json: { password } });
  if (set.status !== 204) throw new Error(`set password: ${set.status} ${JSON.stringify(set.body)}`);
  return { id: created.body.id, email: input.email, name: input.name, password };
}

/** The bootstrap admin of a test server, given a password so it can sign in through the browser. */
export async function adminAccount(s: TestServer, password = "admin password 1234"): Promise<TestAccount> {
  const me = (await s.api("GET", "/api/v1/users/me")).body;
  const set = await s.api("PUT", `/api/v1/users/${me.id}/password`, { json: { password } });
  if (set.status !== 204) throw new Error(`set admin password: ${set.status} ${JSON.stringify(set.body)}`);
  return { id: me.id, email: me.email, name: me.name, password };
}

/** Signs in through the sign-in page, the way a person does, and waits for the files page. */
export async function signInThroughPage(page: Page, baseUrl: string, account: TestAccount): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel(/^Password/).fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Shares" }).waitFor();
}

/** A fresh browser context (own cookies) already signed in as `account`, through the sign-in API. */
export async function signedInContext(
  browser: Browser,
  baseUrl: string,
  account: TestAccount,
): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 } });
  const r = await context.request.post(`${baseUrl}/api/v1/auth/sign-in`, {
    data: { email: account.email, password: account.password },
  });
  if (r.status() !== 200) throw new Error(`sign-in: ${r.status()} ${await r.text()}`);
  return context;
}

import assert from "node:assert/strict";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { seriousA11yViolations } from "./browser.js";

/**
 * Waits until no finite animation runs (a dialog fading in is all low-contrast to axe) and the page has stayed so
 * for a moment; spinners, which run forever, do not count.
 */
export async function animationsSettled(page: Page): Promise<void> {
  const idle = () =>
    page.waitForFunction(
      () =>
        document
          .getAnimations()
          .every((a) => a.playState !== "running" || a.effect?.getComputedTiming().iterations === Infinity),
      undefined,
      { timeout: 5_000 },
    );
  await idle();
  await new Promise((r) => setTimeout(r, 150));
  await idle();
}

/** Fails with the list of serious and critical axe findings of the page as it is now; `where` names the state. */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  await animationsSettled(page);
  assert.deepEqual(await seriousA11yViolations(page), [], `axe on ${where}`);
}

/** The value of the session cookie a browser context holds (undefined when it has none). */
export async function sessionCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === "scaidrive_session")?.value;
}

/** Waits until the locator's text matches (Playwright's own `expect` is not part of playwright-core). */
export async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    last = (await locator.textContent({ timeout: timeoutMs }).catch(() => null)) ?? "";
    if (pattern.test(last)) return last;
    if (Date.now() > deadline) assert.fail(`expected text matching ${pattern}, last seen: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether the element is the one with keyboard focus. */
export function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === document.activeElement);
}

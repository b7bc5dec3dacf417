import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium, installed by scripts/ensure-system-deps.sh. */
export const CHROMIUM = process.env.SCAIDRIVE_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless and quiet: no sandbox (tests run as root), no GPU, and none of Chromium's own background connections
 * (the CI network refuses them, many at a time). Playwright gives every launch a fresh, empty user-data dir.
 */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-system-deps.sh (installs Debian's chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; html: string }[];
}

/**
 * Runs axe-core on the page as it is now and returns the serious and critical violations (described, so a failing
 * assertion says what and where). axe is evaluated through the DevTools protocol, which the page's CSP does not
 * govern, so the app's own policy stays on while it is checked.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  const already = await page.evaluate("typeof window.axe === 'object'");
  if (!already) await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    "window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.html).join(" | ")}`);
}

/**
 * Saves a screenshot of the page as `<name>.png` when SCAIDRIVE_SCREENSHOT_DIR is set (`npm run screenshots` sets it
 * to docs/screenshots, which the README shows); otherwise does nothing.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCAIDRIVE_SCREENSHOT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

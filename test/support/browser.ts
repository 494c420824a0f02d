import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { ROOT } from "./dev-server";

/** Debian's Chromium: npm cannot download browsers here, and tests must not try. */
export const CHROMIUM_PATH = "/usr/bin/chromium";
export const SCREENSHOT_DIR = join(ROOT, "reports/screenshots");
/** How long a test waits for something a person would see; helpers reject after it. */
export const WAIT_MS = 15_000;

/** Launches headless Chromium, or fails saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with \`sudo apt-get install chromium\` (Debian/Ubuntu)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/**
 * Page problems: console errors and uncaught exceptions, labelled by page.
 * A test asserts the list is empty; nothing is filtered here.
 */
export class PageProblems {
  readonly #seen: string[] = [];

  watch(page: Page, label: string): Page {
    page.on("console", (message) => {
      if (message.type() === "error") this.#seen.push(`${label}: console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => this.#seen.push(`${label}: uncaught: ${error.message}`));
    return page;
  }

  /** Everything seen so far, and forget it (one test's worth). */
  take(): string[] {
    return this.#seen.splice(0);
  }
}

/** A fresh browser context (own storage, like a separate person) with one watched page. */
export async function newPerson(
  browser: Browser,
  problems: PageProblems,
  label: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...options });
  context.setDefaultTimeout(WAIT_MS);
  const page = problems.watch(await context.newPage(), label);
  return { context, page };
}

/**
 * Opens a room with a suggested name, confirms it (a name in the link is only
 * a suggestion; a name this browser used before joins by itself) and waits
 * until the page says it is connected.
 */
export async function openRoom(page: Page, baseUrl: string, room: string, name: string): Promise<Page> {
  await page.goto(`${baseUrl}/${room}?name=${encodeURIComponent(name)}`);
  await confirmName(page);
  await waitForStatus(page, "Connected");
  return page;
}

/** Presses Enter in the "Your name" form if the page asks; returns whether it asked. */
export async function confirmName(page: Page): Promise<boolean> {
  const asking = page.getByRole("button", { name: "Enter", exact: true });
  const connecting = page.getByRole("status").filter({ hasNotText: /Not connected|Pick a name to join/ });
  await Promise.race([asking.waitFor({ timeout: WAIT_MS }), connecting.waitFor({ timeout: WAIT_MS })]);
  if (!(await asking.isVisible())) return false;
  await asking.click();
  return true;
}

export async function waitForStatus(page: Page, text: string): Promise<void> {
  await page.getByRole("status").filter({ hasText: text }).waitFor({ timeout: WAIT_MS });
}

/** Types a message and sends it with the Send button. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

/** Waits until the log shows a message with this text (rejects after WAIT_MS). */
export async function waitForMessage(page: Page, text: string): Promise<void> {
  await page.getByRole("log").getByText(text, { exact: true }).first().waitFor({ timeout: WAIT_MS });
}

/** Saves a screenshot under reports/screenshots/ (gitignored); the best are copied to docs/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

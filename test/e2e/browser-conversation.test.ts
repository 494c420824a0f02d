import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openRoom, sendMessage, waitForMessage } from "../support/browser";
import { browserSuite } from "../support/browser-suite";

const suite = browserSuite("conversation");
const { problems, newRoom } = suite;

const item = (page: Page, text: string) => page.getByRole("log").getByRole("listitem").filter({ hasText: text });

describe("the conversation on the page", () => {
  it("shows a fenced code block in monospace, scrolling inside itself, never widening a 360 px page", async () => {
    const room = newRoom();
    const { page } = await suite.person("alice", { viewport: { width: 360, height: 640 } });
    await openRoom(page, suite.server.url, room, "Alice");
    const long = `const veryLongName = ${"someFunctionCall(argument) + ".repeat(8)}1;`;
    await sendMessage(page, `Try this:\n\`\`\`\n${long}\n\`\`\`\nand **tell** me, *please*: \`npm test\``);
    await waitForMessage(page, "npm test");
    const message = item(page, "npm test");
    const block = message.locator("pre.code-block");
    expect(await block.textContent()).toBe(long);
    const style = await block.evaluate((e) => {
      const s = getComputedStyle(e);
      return { font: s.fontFamily, overflowX: s.overflowX, scrolls: e.scrollWidth > e.clientWidth };
    });
    expect(style.font).toMatch(/mono/i);
    expect(style.overflowX).toBe("auto");
    expect(style.scrolls).toBe(true);
    const box = await block.boundingBox();
    expect((box?.x ?? -1) + (box?.width ?? 999)).toBeLessThanOrEqual(360);
    const pageWidth = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    expect(pageWidth[0]).toBe(pageWidth[1]);
    expect(await message.locator("strong").textContent()).toBe("tell");
    expect(await message.locator("em").textContent()).toBe("please");
    expect(await message.locator("code.code").textContent()).toBe("npm test");
    expect(problems.take()).toEqual([]);
  });
});

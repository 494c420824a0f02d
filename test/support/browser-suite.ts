import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { launchChromium, newPerson, PageProblems } from "./browser";
import { type DevServer, type DevServerOptions, startDevServer } from "./dev-server";

/**
 * One `wrangler dev` and one Chromium for a test file, started before its
 * tests and always stopped after them; people (browser contexts) made by a
 * test are closed when it ends. Rooms are fresh per call, named for the file.
 */
export function browserSuite(roomPrefix: string, serverOptions: DevServerOptions = {}) {
  let server: DevServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const problems = new PageProblems();

  beforeAll(async () => {
    [server, browser] = await Promise.all([startDevServer(serverOptions), launchChromium()]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  return {
    problems,
    get server(): DevServer {
      if (!server) throw new Error("the dev server is not started yet");
      return server;
    },
    get browser(): Browser {
      if (!browser) throw new Error("Chromium is not started yet");
      return browser;
    },
    newRoom: () => `${roomPrefix}-${crypto.randomUUID()}`,
    /** A person with a browser of their own, closed when the test ends. */
    async person(label: string, options?: Parameters<typeof newPerson>[3]) {
      const made = await newPerson(this.browser, problems, label, options);
      contexts.push(made.context);
      return made;
    },
  };
}

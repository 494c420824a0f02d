import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../support/dev-server";

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("pages under wrangler dev", () => {
  it("serves the landing page with a Room box and a Join button", async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<label for="room-input">Room</label>');
    expect(html).toMatch(/<button type="submit">Join<\/button>/);
  });

  it("serves the chat page for a room", async () => {
    const response = await fetch(`${server.url}/lobby?name=alice`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    expect(await response.text()).toContain('role="log"');
  });

  it("redirects a room to its lower-case name", async () => {
    const response = await fetch(`${server.url}/Lobby`, { redirect: "manual" });
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe(`${server.url}/lobby`);
  });

  it.each(["/not.a.room", "/a/b", `/${"x".repeat(65)}`])("answers 404 with a page for %s", async (path) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("Not a room");
  });

  it("serves the bundled scripts", async () => {
    const response = await fetch(`${server.url}/js/room-page.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
  });

  it("sends security headers with pages", async () => {
    const response = await fetch(`${server.url}/lobby`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });
});

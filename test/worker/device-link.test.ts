import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  act,
  clearOfWindowEnd,
  deviceCookie,
  freshIp,
  freshRoom,
  join,
  keyOf,
  ORIGIN,
  request,
  say,
  TestClient,
  upgrade,
} from "./helpers";

type Link = { code: string; url: string; expiresAt: number };

function makeLink(key: string | null, headers: Record<string, string> = {}): Promise<Response> {
  return request("/api/device/link", {
    method: "POST",
    headers: { Origin: ORIGIN, ...(key === null ? {} : deviceCookie(key)), ...headers },
  });
}

async function linkFor(key: string): Promise<Link> {
  const response = await makeLink(key);
  expect(response.status).toBe(200);
  return response.json();
}

const open = (code: string, headers: Record<string, string> = {}) =>
  request(`/link/${code}`, { headers, redirect: "manual" });

/** The device key a response's Set-Cookie gives the browser. */
function cookieKey(response: Response): string | null {
  return /__Host-parley_device=([^;]+)/.exec(response.headers.get("Set-Cookie") ?? "")?.[1] ?? null;
}

describe("making a device link", () => {
  it("answers a single-use code of 80 bits, its url and when it expires (10 minutes)", async () => {
    const before = Date.now();
    const link = await linkFor(keyOf("olivia"));
    expect(link.code).toMatch(/^[a-z0-9]{16}$/);
    expect(link.url).toBe(`${ORIGIN}/link/${link.code}`);
    expect(link.expiresAt).toBeGreaterThanOrEqual(before + 10 * 60_000);
    expect(link.expiresAt).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    expect((await linkFor(keyOf("olivia"))).code).not.toBe(link.code);
  });

  it("is refused without the device cookie or from another origin, saying why", async () => {
    const noCookie = await makeLink(null);
    expect(noCookie.status).toBe(401);
    expect(await noCookie.json()).toMatchObject({ error: { code: "unauthorized" } });
    expect((await makeLink(keyOf("olivia"), { Origin: "https://evil.example" })).status).toBe(403);
    const noOrigin = await request("/api/device/link", { method: "POST", headers: deviceCookie(keyOf("olivia")) });
    expect(noOrigin.status).toBe(403);
  });
});

describe("opening a device link", () => {
  it("gives the other browser the same identity: the owner is the owner there too", async () => {
    const room = freshRoom();
    const owner = await join(room, "Olivia");
    await say(owner, "hello");
    await join(room, "mallory");
    const link = await linkFor(keyOf("Olivia"));

    const opened = await open(link.code);
    expect(opened.status).toBe(303);
    expect(opened.headers.get("Location")).toBe("/?linked");
    const key = cookieKey(opened);
    expect(key).toBe(keyOf("Olivia"));

    // The second browser, with the cookie it was given, is Olivia: her name, her room, her powers.
    const response = await upgrade(`/api/rooms/${room}/ws?name=Olivia`, deviceCookie(key ?? ""));
    expect(response.status).toBe(101);
    const phone = new TestClient(response.webSocket as WebSocket);
    expect(await phone.next("welcome")).toMatchObject({ name: "Olivia", role: "owner", moderators: ["Olivia"] });
    expect(await act(phone, { type: "moderate", action: "kick", name: "mallory" })).toMatchObject({ type: "ack" });
  });

  it("works once: a used link gets 410 and words saying so", async () => {
    const link = await linkFor(keyOf("olivia"));
    expect((await open(link.code)).status).toBe(303);
    const again = await open(link.code);
    expect(again.status).toBe(410);
    expect(cookieKey(again)).not.toBe(keyOf("olivia"));
    expect(await again.text()).toContain("This link was used already");
  });

  it("expires after 10 minutes (410, saying so) and unknown codes get 404, saying so", async () => {
    const link = await linkFor(keyOf("olivia"));
    await runInDurableObject(env.DEVICE_LINKS.getByName(link.code), (_link, state) => {
      const stored = state.storage.kv.get<{ key: string; expiresAt: number }>("link");
      state.storage.kv.put("link", { ...stored, expiresAt: Date.now() - 1 });
    });
    const expired = await open(link.code);
    expect(expired.status).toBe(410);
    expect(cookieKey(expired)).not.toBe(keyOf("olivia"));
    expect(await expired.text()).toContain("This link has expired");

    for (const code of ["abcdefghjkmnpqrs", "short", "UPPERCASEUPPERCA"]) {
      const unknown = await open(code);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toContain("This link does not exist");
    }
  });

  it("allows 10 link requests (making or opening) a minute per address, then 429", async () => {
    await clearOfWindowEnd();
    const ip = freshIp();
    const links: Link[] = [];
    for (let i = 0; i < 9; i++) {
      const response = await makeLink(keyOf("olivia"), { "CF-Connecting-IP": ip });
      expect(response.status).toBe(200);
      links.push(await response.json());
    }
    const first = links[0]?.code ?? "";
    expect((await open(first, { "CF-Connecting-IP": ip })).status).toBe(303);
    const limited = await makeLink(keyOf("olivia"), { "CF-Connecting-IP": ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("60");
    const limitedOpen = await open(links[1]?.code ?? "", { "CF-Connecting-IP": ip });
    expect(limitedOpen.status).toBe(429);
    expect(await limitedOpen.text()).toContain("Too many device links");
    // Another address is not limited, and the link refused above still works there.
    expect((await open(links[1]?.code ?? "")).status).toBe(303);
  });
});

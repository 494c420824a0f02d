import { describe, expect, it } from "vitest";
import { freshRoom, join } from "./helpers";

describe("closing", () => {
  it("closes the socket back with the client's code", async () => {
    const alice = await join(freshRoom(), "alice");
    alice.close(4001);
    expect((await alice.closed()).code).toBe(4001);
  });

  it("answers ping with pong without a JSON frame", async () => {
    const alice = await join(freshRoom(), "alice");
    alice.sendRaw("ping");
    const deadline = Date.now() + 5000;
    while (!alice.raw.includes("pong") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(alice.raw).toContain("pong");
    expect(alice.of("error")).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../support/dev-server";
import { NodeChatClient } from "../support/ws-client";

const started: DevServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function start(persistTo?: string): Promise<DevServer> {
  const server = await startDevServer(persistTo ? { persistTo } : {});
  started.push(server);
  return server;
}

describe("restart of the dev server", () => {
  it("keeps history and seq across a restart, and clients catch up", async () => {
    const room = `restart-${crypto.randomUUID()}`;
    const first = await start();
    const alice = await NodeChatClient.connect(first.url, room, "alice");
    const bob = await NodeChatClient.connect(first.url, room, "bob");
    await alice.say("a1", "before the restart");
    await bob.say("b1", "me too");
    const seen = await alice.next("message", (m) => m.id === "b1");
    expect(seen.seq).toBe(2);

    await first.stop();
    expect(await alice.closed()).toBeGreaterThan(0);

    const second = await start(first.persistTo);
    // Alice comes back first and says something Bob has not seen.
    const aliceBack = await NodeChatClient.connect(second.url, room, "alice", 2);
    expect(aliceBack.of("welcome")[0]).toMatchObject({ lastSeq: 2, history: [] });
    expect((await aliceBack.say("a2", "after the restart")).seq).toBe(3);
    // A retry of a message sent before the restart is still recognised.
    expect((await aliceBack.say("a1", "before the restart")).seq).toBe(1);

    const bobBack = await NodeChatClient.connect(second.url, room, "bob", 2);
    expect(bobBack.of("welcome")[0]?.history.map((m) => m.type === "message" && [m.seq, m.name, m.text])).toEqual([
      [3, "alice", "after the restart"],
    ]);

    const newcomer = await NodeChatClient.connect(second.url, room, "carol");
    expect(newcomer.of("welcome")[0]?.history.map((m) => m.seq)).toEqual([1, 2, 3]);
    for (const c of [aliceBack, bobBack, newcomer]) c.close();
  });
});

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { freshRoom, join, lastSeq, say, settle, upgrade } from "./helpers";

const LONE = "\ud800";

describe("well-formed text only", () => {
  it.each([
    ["an id", { type: "send", id: `x${LONE}`, text: "hi" }, undefined],
    ["text", { type: "send", id: "t1", text: `a${LONE}b` }, "t1"],
    ["text made only of lone surrogates", { type: "send", id: "t2", text: "\udc00".repeat(2000) }, "t2"],
  ])("refuses a lone surrogate in %s with bad_message, storing nothing", async (_, frame, id) => {
    const room = freshRoom();
    const mallory = await join(room, "mallory");
    const bob = await join(room, "bob");
    mallory.send(frame);
    const error = await mallory.next("error");
    expect(error).toMatchObject({ code: "bad_message", message: expect.stringContaining("well-formed") });
    expect(error.id).toBe(id);
    await settle();
    expect(bob.of("message")).toEqual([]);
    expect(await lastSeq(room)).toBe(0);
  });

  it("refuses a lone surrogate in a name with 400 bad_name", async () => {
    const response = await upgrade(`/api/rooms/${freshRoom()}/ws?name=${encodeURIComponent("bob")}%ED%A0%80`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "bad_name" } });
  });

  it("stores exactly what was acked and broadcast, across a reload", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const text = "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩🏽‍💻 עברית 中文 \u00e9 e\u0301";
    const ack = await say(alice, text, "id-𝔘-👩🏽‍💻");
    const live = await bob.next("message");
    expect(live).toMatchObject({ seq: ack.seq, id: "id-𝔘-👩🏽‍💻", text });
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
    const carol = await join(room, "carol", "&since=0");
    expect(carol.of("welcome")[0]?.history).toEqual([live]);
    // The retry index, rebuilt from storage, knows the id as it was sent.
    alice.send({ type: "send", id: "id-𝔘-👩🏽‍💻", text });
    expect((await alice.collect("ack", 2))[1]).toEqual(ack);
    const stored = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) =>
      state.storage.sql.exec<{ text: string }>("SELECT text FROM messages").toArray(),
    );
    expect(stored).toEqual([{ text }]);
  });
});

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  deviceCookie,
  freshIp,
  freshRoom,
  join,
  joinFrom,
  keyOf,
  refusal,
  request,
  roomInfo,
  say,
  settle,
  type TestClient,
  upgrade,
} from "./helpers";

/** An upgrade that the room refuses: the error frame it sent and the close. */
async function refusedJoin(room: string, name: string, key: string | null) {
  return refusal(await upgrade(`/api/rooms/${room}/ws?name=${encodeURIComponent(name)}`, key ? deviceCookie(key) : {}));
}

/** What the page asks before it tries: the GET without Upgrade. */
async function preflight(room: string, name: string, key: string | null = null, query = "") {
  const response = await request(`/api/rooms/${room}/ws?name=${encodeURIComponent(name)}${query}`, {
    headers: key ? deviceCookie(key) : {},
  });
  return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
}

const seenNames = (client: TestClient) => client.of("message").map((m) => m.name);

describe("device identity", () => {
  it("is one person across tabs and reconnects when the key is the same", async () => {
    const room = freshRoom();
    const first = await joinFrom(room, "alice", freshIp(), "", "alice-device-key-000000001");
    const second = await joinFrom(room, "alice", freshIp(), "", "alice-device-key-000000001");
    expect(second.of("welcome")[0]?.online).toEqual(["alice"]);
    const ack = await say(first, "from tab one", "same-id");
    // The retry from the other tab is recognised: same person, same id.
    second.send({ type: "send", id: "same-id", text: "from tab one" });
    expect(await second.next("ack")).toEqual(ack);
    expect((await roomInfo(room)).lastSeq).toBe(1);
  });

  it("refuses a name held by another device: name_taken then 1008, and 409 to the preflight", async () => {
    const room = freshRoom();
    const alice = await join(room, "Alice");
    const bob = await join(room, "bob");
    const mallory = await refusedJoin(room, "Alice", "mallory-device-key-0000001");
    expect(mallory.error).toMatchObject({ type: "error", code: "name_taken" });
    expect(mallory.code).toBe(1008);
    expect(await preflight(room, "alice", "mallory-device-key-0000001")).toMatchObject({
      status: 409,
      body: { error: { code: "name_taken" } },
    });
    // Nobody saw a second Alice, and Alice's messages stay hers alone.
    await settle();
    expect(bob.changes().filter((p) => p.name === "Alice")).toEqual([]);
    await say(alice, "still me");
    await bob.next("message");
    expect(seenNames(bob)).toEqual(["Alice"]);
  });

  it("keeps the name for its owner while they are away, and frees it when the hold lapses", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    await say(alice, "hi");
    alice.close();
    await alice.closed();
    await settle();
    expect((await preflight(room, "alice", "someone-else-key-00000001")).status).toBe(409);
    // The owner comes back under it at once.
    expect((await preflight(room, "alice", keyOf("alice"))).status).toBe(426);
    // Thirty days and one minute later, as the room's clock would see it.
    await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      state.storage.sql.exec("UPDATE names SET last_used = ?", Date.now() - (30 * 24 * 60 + 1) * 60_000);
    });
    expect((await preflight(room, "alice", "someone-else-key-00000001")).status).toBe(426);
    const newcomer = await joinFrom(room, "alice", freshIp(), "", "someone-else-key-00000001");
    expect(newcomer.of("welcome")[0]?.name).toBe("alice");
  });

  it("holds a name after its holder leaves only if they posted under it", async () => {
    const room = freshRoom();
    const reader = await join(room, "quiet");
    const writer = await join(room, "chatty");
    expect((await preflight(room, "quiet", "someone-else-key-00000001")).status).toBe(409);
    await say(writer, "hello");
    for (const client of [reader, writer]) {
      client.close();
      await client.closed();
    }
    await settle();
    expect((await preflight(room, "quiet", "someone-else-key-00000001")).status).toBe(426);
    expect((await preflight(room, "chatty", "someone-else-key-00000001")).status).toBe(409);
  });

  it("holds a keyless socket's name only while it is connected, and its retries only on that socket", async () => {
    const room = freshRoom();
    const guest = await joinFrom(room, "guest", freshIp(), "", null);
    const ack = await say(guest, "hello", "g1");
    expect((await preflight(room, "guest", "another-device-key-000001")).status).toBe(409);
    guest.close();
    await guest.closed();
    await settle();
    expect((await preflight(room, "guest", "another-device-key-000001")).status).toBe(426);
    // Back without a key: a new person, so the same id is a new message.
    const again = await joinFrom(room, "guest", freshIp(), "", null);
    expect((await say(again, "hello", "g1")).seq).toBe(ack.seq + 1);
  });

  it("keys retries by identity, not by name or id alone", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    const a = await say(alice, "alice's", "shared-id");
    const b = await say(bob, "bob's", "shared-id");
    expect(b.seq).toBe(a.seq + 1);
    expect(await alice.next("message")).toMatchObject({ name: "bob", text: "bob's" });
  });

  it("never stores or shows the device key itself", async () => {
    const room = freshRoom();
    const key = "secret-device-key-do-not-store-1";
    const alice = await joinFrom(room, "alice", freshIp(), "", key);
    await say(alice, "hello");
    const dump = await runInDurableObject(env.ROOMS.getByName(room), (_r, state) => {
      const tables = state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
        )
        .toArray();
      return JSON.stringify(tables.map((t) => state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray()));
    });
    expect(dump).toContain("alice");
    expect(dump).not.toContain(key);
    expect(JSON.stringify(alice.raw)).not.toContain(key);
  });
});

describe("look-alike names", () => {
  it.each([
    ["a zero-width space", "Bo\u200bb", "invisible"],
    ["a right-to-left override", "\u202eboB", "direction"],
    ["Cyrillic letters mixed with Latin", "Воb", "scripts"],
    ["a soft hyphen", "Bo\u00adb", "invisible"],
  ])("refuses a name with %s: 400 bad_name saying why", async (_, name, why) => {
    const response = await upgrade(`/api/rooms/${freshRoom()}/ws?name=${encodeURIComponent(name)}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bad_name");
    expect(body.error.message).toContain(why);
  });

  it.each([
    ["a trailing no-break space", "Bob\u00a0", "Bob"],
    ["other capitals", "BOB", "Bob"],
    ["fullwidth letters", "Ｂｏｂ", "Bob"],
    ["all-Cyrillic look-alike letters", "аре", "ape"],
  ])("treats a name with %s as the held name", async (_, name, held) => {
    const room = freshRoom();
    await join(room, held);
    expect((await preflight(room, name, "mallory-device-key-0000001")).body.error.code).toBe("name_taken");
  });

  it("normalises a name with NFKC before it is shown", async () => {
    const alice = await join(freshRoom(), "Ａｌｉｃｅ");
    expect(alice.of("welcome")[0]?.name).toBe("Alice");
  });
});

describe("asking why before joining (GET without Upgrade)", () => {
  it("answers 426 when an upgrade would be accepted", async () => {
    expect(await preflight(freshRoom(), "alice", keyOf("alice"))).toMatchObject({
      status: 426,
      body: { error: { code: "upgrade_required" } },
    });
  });

  it("answers each refusal with its status and code", async () => {
    const room = freshRoom();
    expect((await preflight(room, "\u202eboB")).status).toBe(400);
    expect((await preflight(room, "ok", null, "&since=x")).body.error.code).toBe("bad_since");
    const full = [];
    for (let i = 0; i < Number(env.ROOM_SOCKET_LIMIT); i++) full.push(await join(room, `p${i}`));
    expect(await preflight(room, "late")).toMatchObject({ status: 503, body: { error: { code: "room_full" } } });
    const crowded = freshRoom();
    const ip = freshIp();
    for (let i = 0; i < Number(env.ROOM_SOCKETS_PER_ADDRESS); i++) await joinFrom(crowded, `n${i}`, ip);
    const response = await request(`/api/rooms/${crowded}/ws?name=extra`, { headers: { "CF-Connecting-IP": ip } });
    expect(response.status).toBe(429);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("too_many_connections");
  });
});

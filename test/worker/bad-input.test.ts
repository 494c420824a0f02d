import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/shared/protocol";
import { freshIp, freshRoom, join, lastSeq, request, roomInfo, say } from "./helpers";

describe("bad frames get an error and the socket stays open", () => {
  const cases: [string, string, string, string?][] = [
    ["not JSON", "{nope", "bad_json"],
    ["a JSON string", '"send"', "bad_json"],
    ["a JSON array", "[1,2]", "bad_json"],
    ["JSON null", "null", "bad_json"],
    ["no type", '{"text":"hi"}', "bad_message"],
    ["an unknown type", '{"type":"shout","text":"hi"}', "bad_message"],
    ["a send without id", '{"type":"send","text":"hi"}', "bad_message"],
    ["a numeric id", '{"type":"send","id":7,"text":"hi"}', "bad_message"],
    ["an empty id", '{"type":"send","id":"","text":"hi"}', "bad_message"],
    ["a 65-character id", JSON.stringify({ type: "send", id: "i".repeat(65), text: "hi" }), "bad_message"],
    ["a send without text", '{"type":"send","id":"x1"}', "bad_message", "x1"],
    ["text that is a number", '{"type":"send","id":"x2","text":5}', "bad_message", "x2"],
    ["empty text", '{"type":"send","id":"x3","text":""}', "bad_message", "x3"],
    ["whitespace-only text", '{"type":"send","id":"x4","text":" \\n\\t "}', "bad_message", "x4"],
    ["text of 2001 characters", JSON.stringify({ type: "send", id: "x5", text: "a".repeat(2001) }), "too_long", "x5"],
    ["text with a NUL character", JSON.stringify({ type: "send", id: "x6", text: "a\u0000b" }), "bad_message", "x6"],
    [
      "text with an escape character",
      JSON.stringify({ type: "send", id: "x7", text: "\u001b[31mred" }),
      "bad_message",
      "x7",
    ],
    ["text that is an array", '{"type":"send","id":"x8","text":["hi"]}', "bad_message", "x8"],
    ["text that is an object", '{"type":"send","id":"x9","text":{"hi":1}}', "bad_message", "x9"],
    ["an id with a control character", JSON.stringify({ type: "send", id: "a\u0007", text: "hi" }), "bad_message"],
    ["a null type", '{"type":null}', "bad_message"],
    ["a type in capitals", '{"type":"SEND","id":"x10","text":"hi"}', "bad_message"],
    ["a server frame sent by a client", '{"type":"welcome","room":"r","name":"n"}', "bad_message"],
    ["JSON with trailing garbage", '{"type":"typing"} x', "bad_json"],
  ];

  it.each(cases)("answers %s with %s", async (_, frame, code, id) => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    alice.sendRaw(frame);
    const error = await alice.next("error");
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.message).not.toMatch(/at .*\(|Error:/); // never a stack trace
    if (id) expect(error.id).toBe(id);
    // Still open and nothing stored.
    expect(await lastSeq(room)).toBe(0);
    expect((await say(alice, "still here")).seq).toBe(1);
  });

  it("accepts text of exactly 2000 characters, counted as a person counts them", async () => {
    const alice = await join(freshRoom(), "alice");
    expect((await say(alice, "é".repeat(LIMITS.textMax))).seq).toBe(1);
    expect((await say(alice, "😀".repeat(LIMITS.textMax))).seq).toBe(2);
  });

  it("answers a binary frame with bad_message", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    alice.sendRaw(new TextEncoder().encode('{"type":"send","id":"b","text":"hi"}').buffer as ArrayBuffer);
    expect((await alice.next("error")).code).toBe("bad_message");
    expect(await lastSeq(room)).toBe(0);
  });

  it("closes the socket with 1009 on a frame over the size limit, storing nothing", async () => {
    const room = freshRoom();
    const alice = await join(room, "alice");
    const bob = await join(room, "bob");
    alice.sendRaw(JSON.stringify({ type: "send", id: "big", text: "a".repeat(LIMITS.frameBytesMax) }));
    expect((await alice.closed()).code).toBe(1009);
    expect(await lastSeq(room)).toBe(0);
    expect(await bob.next("presence", (p) => p.event === "leave")).toMatchObject({ name: "alice" });
  });

  it("measures the size limit in bytes, not characters", async () => {
    const alice = await join(freshRoom(), "alice");
    // Under the limit in characters, over it in UTF-8 bytes.
    alice.sendRaw(JSON.stringify({ type: "typing", pad: "€".repeat(LIMITS.frameBytesMax / 2) }));
    expect((await alice.closed()).code).toBe(1009);
  });
});

describe("bad upgrade requests get a JSON error and let no one in", () => {
  const ok = { Upgrade: "websocket" };
  const cases: [string, string, Record<string, string>, number, string][] = [
    ["no name", "", ok, 400, "bad_name"],
    ["an empty name", "?name=", ok, 400, "bad_name"],
    ["a blank name", "?name=%20%20%20", ok, 400, "bad_name"],
    ["a 33-character name", `?name=${"n".repeat(33)}`, ok, 400, "bad_name"],
    ["a name with a newline", "?name=al%0Aice", ok, 400, "bad_name"],
    ["a name with a NUL", "?name=al%00ice", ok, 400, "bad_name"],
    ["a name with a C1 control", "?name=al%C2%85ice", ok, 400, "bad_name"],
    ["a negative since", "?name=alice&since=-1", ok, 400, "bad_since"],
    ["a fractional since", "?name=alice&since=1.5", ok, 400, "bad_since"],
    ["a word for since", "?name=alice&since=latest", ok, 400, "bad_since"],
    ["an empty since", "?name=alice&since=", ok, 400, "bad_since"],
    ["an exponent since", "?name=alice&since=1e3", ok, 400, "bad_since"],
    ["no Upgrade header", "?name=alice", {}, 426, "upgrade_required"],
    ["an Upgrade to another protocol", "?name=alice", { Upgrade: "h2c" }, 426, "upgrade_required"],
    ["a foreign Origin", "?name=alice", { ...ok, Origin: "https://evil.example" }, 403, "forbidden_origin"],
    ["a look-alike Origin", "?name=alice", { ...ok, Origin: "https://parley.test.evil.com" }, 403, "forbidden_origin"],
  ];

  it.each(cases)("answers %s with %i %s", async (_, query, headers, status, code) => {
    const room = freshRoom();
    const response = await request(`/api/rooms/${room}/ws${query}`, {
      headers: { "CF-Connecting-IP": freshIp(), ...headers },
    });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    expect(await roomInfo(room)).toEqual({
      room,
      online: [],
      onlineCount: 0,
      lastSeq: 0,
      shards: 0,
    });
  });

  it("accepts a 32-character name and a name in any script", async () => {
    const room = freshRoom();
    expect((await join(room, "n".repeat(32))).of("welcome")[0]?.name).toBe("n".repeat(32));
    expect((await join(room, "Zoë 山田 🙂")).of("welcome")[0]?.name).toBe("Zoë 山田 🙂");
  });
});

import { describe, expect, it, vi } from "vitest";
import { FakeRoom, history, message, useFakeClock } from "./fake-room";

// The outbox: one entry in flight, in the order written, each stored once.

useFakeClock();

const texts = (room: FakeRoom, socket = room.socket) => socket.framesOf("send").map((f) => f.text);

describe("the outbox", () => {
  it("sends one entry at a time, in the order written", () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome();
    const a = room.connection.send("a");
    room.connection.send("b");
    room.connection.send("c");
    expect(texts(room)).toEqual(["a"]);
    socket.receive({ type: "ack", id: a.id, seq: 1, ts: 1 });
    expect(texts(room)).toEqual(["a", "b"]);
    const [, b] = socket.framesOf("send");
    socket.receive({ type: "ack", id: b?.id ?? "", seq: 2, ts: 2 });
    expect(texts(room)).toEqual(["a", "b", "c"]);
    expect(room.storedOwn()).toEqual([1, 2]);
  });

  it("sends nothing until caught up", () => {
    const room = new FakeRoom();
    room.connection.start();
    room.connection.send("early");
    expect(room.socket.sent).toEqual([]);
    const socket = room.welcome({ history: history(1, 1), lastSeq: 3, more: true });
    expect(texts(room)).toEqual([]);
    const [catchup] = socket.framesOf("catchup");
    socket.receive({ type: "catchup", id: catchup?.id ?? "", history: history(2, 3), lastSeq: 3, more: false });
    expect(texts(room)).toEqual(["early"]);
  });

  it("sends the unacked again in order after a reconnect, with their ids", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const first = room.welcome();
    const a = room.connection.send("a");
    const b = room.connection.send("b");
    first.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    const second = room.welcome();
    expect(second.framesOf("send").map((f) => f.id)).toEqual([a.id]);
    second.receive({ type: "ack", id: a.id, seq: 1, ts: 1 });
    expect(second.framesOf("send").map((f) => f.id)).toEqual([a.id, b.id]);
  });

  it("never sends twice what the room already stored from an earlier socket", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const first = room.welcome();
    const a = room.connection.send("a");
    const b = room.connection.send("b");
    // Stored, but the ack was lost with the socket.
    first.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    const second = room.welcome({ history: [message(1, "Ann", "a", a.id)], lastSeq: 1 });
    expect(second.framesOf("send").map((f) => f.id)).toEqual([b.id]);
    expect(room.storedOwn()).toEqual([1]);
    // Ours, so not shown as someone else's message.
    expect(room.eventsNamed("message")).toEqual([]);
  });

  it("holds the whole outbox and typing while rate limited, then goes on from the same entry", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome();
    const a = room.connection.send("a");
    room.connection.send("b");
    socket.receive({ type: "error", code: "rate_limited", message: "slow down", id: a.id, retryAfterMs: 2_000 });
    await vi.advanceTimersByTimeAsync(1_999);
    room.connection.typing();
    expect(texts(room)).toEqual(["a"]);
    expect(socket.framesOf("typing")).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(texts(room)).toEqual(["a", "a"]);
    expect(socket.framesOf("send").map((f) => f.id)).toEqual([a.id, a.id]);
    socket.receive({ type: "ack", id: a.id, seq: 1, ts: 1 });
    expect(texts(room)).toEqual(["a", "a", "b"]);
    expect(room.eventsNamed("outbox").filter(([, entry]) => entry.state === "failed")).toEqual([]);
  });

  it("sends changes in their turn behind messages, and drops one the room refuses", () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome({ history: [message(1, "Ann")], lastSeq: 1 });
    const a = room.connection.send("a");
    room.connection.change({ type: "edit", target: 1, text: "better" });
    room.connection.change({ type: "delete", target: 9 });
    room.connection.send("b");
    expect(socket.frames().map((f) => f.type)).toEqual(["send"]);
    socket.receive({ type: "ack", id: a.id, seq: 2, ts: 2 });
    const [edit] = socket.framesOf("edit");
    expect(edit).toMatchObject({ target: 1, text: "better" });
    socket.receive({ type: "ack", id: edit?.id ?? "", seq: 3, ts: 3 });
    const [del] = socket.framesOf("delete");
    socket.receive({ type: "error", code: "not_found", message: "no such message", id: del?.id });
    expect(texts(room)).toEqual(["a", "b"]);
    const changed = room.eventsNamed("changed").map(([, entry, result]) => [entry.change.type, "error" in result]);
    expect(changed).toEqual([
      ["edit", false],
      ["delete", true],
    ]);
  });

  it("keeps the outbox in its store, so a reload sends it again", () => {
    const room = new FakeRoom();
    room.connection.start();
    room.connection.send("kept");
    expect(room.store.get("parley:outbox:lobby")).toMatchObject([{ text: "kept", state: "pending" }]);
  });
});

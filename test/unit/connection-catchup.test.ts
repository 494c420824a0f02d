import { describe, expect, it, vi } from "vitest";
import { FakeRoom, history, message, useFakeClock } from "./fake-room";

// Keeping the room's log in sync: welcome, catch-up pages, each seq once and in order.

useFakeClock();

describe("catching up", () => {
  it("asks `catchup` from where the last page ended, until a page says more: false", () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome({ history: history(1, 3), lastSeq: 10, more: true });
    expect(room.states().at(-1)).toBe("catching-up");
    const [first] = socket.framesOf("catchup");
    expect(first?.since).toBe(3);
    socket.receive({ type: "catchup", id: first?.id ?? "", history: history(4, 6), lastSeq: 10, more: true });
    const second = socket.framesOf("catchup")[1];
    expect(second?.since).toBe(6);
    socket.receive({ type: "catchup", id: second?.id ?? "", history: history(7, 10), lastSeq: 10, more: false });
    expect(socket.framesOf("catchup")).toHaveLength(2);
    expect(room.states().at(-1)).toBe("connected");
    expect(room.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // History is not news: nothing is passed on as live.
    expect(room.eventsNamed("message").every(([, , live]) => !live)).toBe(true);
  });

  it("asks for the same page again after the room's retryAfterMs when rate limited", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome({ history: history(1, 2), lastSeq: 5, more: true });
    const [first] = socket.framesOf("catchup");
    socket.receive({ type: "error", code: "rate_limited", message: "slow down", id: first?.id, retryAfterMs: 1_500 });
    await vi.advanceTimersByTimeAsync(1_499);
    expect(socket.framesOf("catchup")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const again = socket.framesOf("catchup")[1];
    expect(again?.since).toBe(2);
    expect(again?.id).not.toBe(first?.id);
    expect(room.eventsNamed("error")).toEqual([]);
  });

  it("does not ask again on a socket that closed while it waited", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome({ history: history(1, 2), lastSeq: 5, more: true });
    const [first] = socket.framesOf("catchup");
    socket.receive({ type: "error", code: "rate_limited", message: "slow down", id: first?.id, retryAfterMs: 1_500 });
    socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(socket.framesOf("catchup")).toHaveLength(1);
    expect(room.sockets.at(-1)?.framesOf("catchup")).toEqual([]);
  });

  it("passes each seq on once when welcome, catch-up and live events overlap", async () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome({ history: history(1, 3), lastSeq: 3 });
    socket.receive(message(4));
    socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(room.socket.url.searchParams.get("since")).toBe("4");
    room.welcome({ history: history(3, 6), lastSeq: 6 });
    room.socket.receive(message(6));
    room.socket.receive(message(7));
    expect(room.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("handles the frames of a batch in order", () => {
    const room = new FakeRoom();
    room.connection.start();
    const socket = room.welcome({ history: history(1, 1), lastSeq: 1 });
    socket.receive({
      type: "batch",
      frames: [
        message(2),
        { type: "edited", seq: 3, target: 2, text: "changed", name: "Bo", ts: 1 },
        { type: "typing", name: "Cy" },
        message(3, "Cy"),
        { type: "deleted", seq: 4, target: 1, by: "Bo", ts: 2 },
      ],
    });
    const after = room.events.slice(room.events.findIndex((e) => e[0] === "state" && e[1] === "connected") + 1);
    const said = after.map((e) => {
      if (e[0] === "typing") return `typing ${e[1]}`;
      if (e[0] === "message" || e[0] === "change") return `${e[0]} ${e[1].seq}`;
      return e[0];
    });
    // Seq 3 came twice in the batch: the second is dropped.
    expect(said).toEqual(["message 2", "change 3", "typing Cy", "change 4"]);
  });

  it("starts afresh when the room was emptied since (its seqs start again)", async () => {
    const room = new FakeRoom();
    room.connection.start();
    room.welcome({ history: history(1, 5), lastSeq: 5 });
    room.socket.serverClose(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    room.welcome({ history: history(1, 2), lastSeq: 2 });
    expect(room.eventsNamed("reset")).toHaveLength(1);
    expect(room.seqs()).toEqual([1, 2, 3, 4, 5, 1, 2]);
  });

  it("asks for older messages one request at a time", () => {
    const room = new FakeRoom();
    room.connection.start();
    expect(room.connection.older(50)).toBe(false);
    const socket = room.welcome({ history: history(50, 52), lastSeq: 52 });
    expect(room.connection.older(50)).toBe(true);
    expect(room.connection.older(50)).toBe(false);
    const [older] = socket.framesOf("older");
    expect(older).toMatchObject({ before: 50, limit: 100 });
    socket.receive({ type: "older", id: older?.id ?? "", messages: [message(49)], more: false });
    expect(room.eventsNamed("older")).toHaveLength(1);
    expect(room.connection.older(49)).toBe(true);
  });
});

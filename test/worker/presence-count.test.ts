import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PresenceNews } from "../../src/room/presence";
import type { PresenceFrame } from "../../src/shared/protocol";

// PresenceNews alone, with a room of `people` names and a list of at most LIST_MAX (SPEC's 500 is
// the same rule; presence-crowd.test.ts shows it with real sockets). Fake timers stand in for 5 s.
const LIST_MAX = 3;
const COUNT_MS = 5_000;

function news() {
  const people: string[] = [];
  const sent: PresenceFrame[] = [];
  const presence = new PresenceNews(
    {
      online: () => ({ online: people.slice(0, LIST_MAX), onlineCount: people.length }),
      count: () => people.length,
      emit: (frames) => sent.push(...frames),
    },
    { windowMs: () => 100, listMax: LIST_MAX, countMs: COUNT_MS },
  );
  const join = (name: string) => {
    people.push(name);
    presence.change(name, "join", Date.now());
  };
  const leave = (name: string) => {
    people.splice(people.indexOf(name), 1);
    presence.change(name, "leave", Date.now());
  };
  return { sent, join, leave, presence };
}

const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe("presence news in a big room", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("tells each join while everyone fits in the list, then the count at once on the first past it", async () => {
    const { sent, join } = news();
    for (const name of ["a", "b", "c"]) {
      join(name);
      await wait(200);
    }
    expect(sent.map((f) => (f.event === "count" ? f.onlineCount : f.name))).toEqual(["a", "b", "c"]);
    expect(sent.at(-1)).toMatchObject({ online: ["a", "b", "c"], onlineCount: 3 });
    join("d");
    expect(sent.at(-1)).toEqual({ type: "presence", event: "count", onlineCount: 4 });
  });

  it("sends the count at most every countMs, only when it changed, and the latest one", async () => {
    const { sent, join, leave } = news();
    for (const name of ["a", "b", "c", "d"]) join(name);
    await wait(1000);
    const counts = () => sent.filter((f) => f.event === "count").map((f) => f.onlineCount);
    expect(counts()).toEqual([4]);
    join("e");
    join("f");
    await wait(COUNT_MS - 1100);
    expect(counts()).toEqual([4]);
    leave("e");
    await wait(100);
    expect(counts()).toEqual([4, 5]);
    // A join and a leave that cancel out say nothing.
    join("g");
    leave("g");
    await wait(2 * COUNT_MS);
    expect(counts()).toEqual([4, 5]);
    // Long after the last count, the next change is told at once.
    join("h");
    expect(counts()).toEqual([4, 5, 6]);
    expect(sent.filter((f) => f.event !== "count").map((f) => f.event === "join" && f.name)).toEqual(["a"]);
  });

  it("folds a crowd's news waiting in its window into the count once the room is past the list", async () => {
    const { sent, join } = news();
    join("a");
    join("b");
    join("c");
    join("d");
    await wait(200);
    // "a" went at once; b, c and d waited for the window, by when four were online.
    expect(sent).toEqual([
      { type: "presence", event: "join", name: "a", online: ["a"], onlineCount: 1 },
      { type: "presence", event: "count", onlineCount: 4 },
    ]);
  });

  it("goes back to join and leave news when everyone fits again, with no stale count after", async () => {
    const { sent, join, leave } = news();
    for (const name of ["a", "b", "c", "d", "e"]) join(name);
    await wait(200);
    const before = sent.length;
    leave("e");
    leave("d");
    await wait(COUNT_MS + 200);
    expect(sent.slice(before)).toEqual([
      { type: "presence", event: "leave", name: "d", online: ["a", "b", "c"], onlineCount: 3 },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { freshIp, freshRoom, join, joinFrom, keyOf, settle } from "./helpers";

describe("a rename in presence news", () => {
  it("marks a join right after the same person left under another name as a rename", async () => {
    const room = freshRoom();
    const watcher = await join(room, "watcher");
    const kim = await join(room, "Kim");
    kim.close();
    await watcher.nextChange((p) => p.event === "leave" && p.name === "Kim");
    await joinFrom(room, "Kimberly", freshIp(), "", keyOf("Kim"));
    const joined = await watcher.nextChange((p) => p.event === "join" && p.name === "Kimberly");
    expect(joined.renamedFrom).toBe("Kim");
  });

  it("marks the join and says nothing of the old name's leave when the new socket comes first", async () => {
    const room = freshRoom();
    const watcher = await join(room, "watcher");
    const kim = await join(room, "Kim");
    await joinFrom(room, "Kimberly", freshIp(), "", keyOf("Kim"));
    expect(await watcher.nextChange((p) => p.name === "Kimberly")).toMatchObject({
      event: "join",
      renamedFrom: "Kim",
    });
    kim.close();
    await kim.closed();
    await settle(200);
    expect(watcher.changes().filter((p) => p.event === "leave")).toEqual([]);
  });

  it("marks no rename for another person, or for the same name coming back", async () => {
    const room = freshRoom();
    const watcher = await join(room, "watcher");
    const kim = await join(room, "Kim");
    kim.close();
    await watcher.nextChange((p) => p.event === "leave");
    const from = watcher.frames.length;
    await join(room, "Kimberly");
    await join(room, "Kim");
    const joins = [
      await watcher.nextChange((p) => p.name === "Kimberly", from),
      await watcher.nextChange((p) => p.name === "Kim", from),
    ];
    expect(joins.map((p) => p.renamedFrom)).toEqual([undefined, undefined]);
  });
});

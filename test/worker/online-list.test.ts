import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/protocol";
import { onlineList } from "../../src/session";

describe("the online list", () => {
  it("lists each person once, in the order they joined", () => {
    const sessions = [
      { name: "bob", joinedAt: 20 },
      { name: "alice", joinedAt: 10 },
      { name: "bob", joinedAt: 30 },
    ];
    expect(onlineList(sessions, LIMITS.onlineListMax)).toEqual({ online: ["alice", "bob"], onlineCount: 2 });
  });

  it("caps the names sent in frames but counts everyone", () => {
    const sessions = Array.from({ length: 250 }, (_, i) => ({ name: `p${i}`, joinedAt: i }));
    const { online, onlineCount } = onlineList(sessions, LIMITS.onlineListMax);
    expect(online).toHaveLength(LIMITS.onlineListMax);
    expect(online[0]).toBe("p0");
    expect(onlineCount).toBe(250);
  });
});

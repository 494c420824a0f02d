import { describe, expect, it } from "vitest";
import { roomConfig } from "../../src/room/room-config";

const vars = (over: Partial<Env>) => ({ ...over }) as Env;

describe("a room's settings from the deployer's vars", () => {
  it("uses the defaults for vars left unset, empty or not numbers", () => {
    const unset = vars({
      ROOM_SOCKET_LIMIT: "lots",
      HISTORY_DAYS: "",
      ROOM_IDLE_DAYS: " ",
      ROOM_DELIVERIES_PER_SECOND: "",
    });
    expect(roomConfig(unset)).toEqual({
      socketLimit: 100_000,
      shardSockets: 2000,
      perAddress: 250,
      nameHoldDays: 30,
      namesPerIdentity: 3,
      historyBytesPerMinute: 8 * 1024 * 1024,
      retention: { keep: 10_000 },
      shedding: { deliveriesPerSecond: 150_000, lagMaxMs: 1000, windowMs: 2000 },
    });
  });

  it("takes the deliveries a second a room is assumed to make", () => {
    expect(roomConfig(vars({ ROOM_DELIVERIES_PER_SECOND: "40000" })).shedding.deliveriesPerSecond).toBe(40_000);
  });

  it("never budgets less history a minute than one page", () => {
    expect(roomConfig(vars({ HISTORY_BYTES_PER_MINUTE: "1000" })).historyBytesPerMinute).toBe(256 * 1024);
  });

  it("never lets one address hold more than half a room", () => {
    expect(roomConfig(vars({ ROOM_SOCKET_LIMIT: "20", ROOM_SOCKETS_PER_ADDRESS: "250" })).perAddress).toBe(10);
    expect(roomConfig(vars({ ROOM_SOCKET_LIMIT: "1" })).perAddress).toBe(1);
  });

  it("keeps at least the 1000 messages SPEC promises, and takes optional days", () => {
    expect(roomConfig(vars({ HISTORY_KEEP: "50", HISTORY_DAYS: "7", ROOM_IDLE_DAYS: "90" }))).toMatchObject({
      retention: { keep: 1000, days: 7 },
      idleDays: 90,
    });
  });
});

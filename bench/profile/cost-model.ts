// The model of docs/scaling.md: one room on the edge, from the per-part costs `npm run shard-costs`
// measured (its --out JSON), and what it costs a month on Cloudflare's published prices.
// Usage: npm run cost-model -- COSTS.json [--shard-sockets 2000]
// Every assumption is a named constant below; docs/scaling.md states them.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { LIMITS } from "../../src/shared/protocol/limits.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "shard-sockets": { type: "string", default: "2000" },
    // A delivery's cost once the room is busy and each frame carries many messages (the group commit):
    // docs/bench-shards.md, the whole server group's CPU over delivered msg/s at 400 sockets, 4.3-6.0 µs.
    "busy-delivery-us": { type: "string", default: "5" },
  },
});
const file = positionals[0];
if (!file) throw new Error("usage: node bench/profile/cost-model.ts COSTS.json");
type Costs = {
  shardDeliveryUs: number;
  roomDeliveryUs: number;
  roomPerBatchUs: number;
  shardPerBatchUs: number;
  shardPerFrameUs: number;
  roomPerForwardedMessageUs: number;
};
const costs = JSON.parse(readFileSync(file, "utf8")) as Costs;
const S = Number(values["shard-sockets"]);
const BUSY_DELIVERY_US = Number(values["busy-delivery-us"]);

// Prices (https://developers.cloudflare.com/durable-objects/platform/pricing/, Workers Paid), before the
// account's monthly allowances (1M requests, 400,000 GB-s, 50M rows written, 5 GB-month stored).
const PRICE = { requestPerM: 0.15, gbSecondPerM: 12.5, rowWrittenPerM: 1.0, gbMonth: 0.2 };
const MONTH_S = 30 * 24 * 3600;
const OBJECT_GB = 128 / 1024; // duration is billed for 128 MB per active object
// Assumptions about people and the page (src/client): everyone connected all month (an upper bound; a
// two-hour event costs 2/720 of it); a `received` report every few seconds while messages arrive (the page's
// interval); an application "ping" every 25 s (counted as billed incoming messages, to be safe); one reconnect a day.
const REPORT_EVERY_S = LIMITS.receivedReportMs / 1000;
const PING_EVERY_S = 25;
const RECONNECTS_PER_DAY = 1;
// Each message its own flush (the room's group commit batches only under load): one deliver() per shard
// per message, the most RPCs a rate can cost.
const flushesPerSec = (rate: number) => rate;
// SQLite rows written per stored message: the row, its unique (author, id) index, and the full-text
// index (fts5 shadow tables). Assumed, not measured.
const ROWS_PER_MESSAGE = 5;
// The shard's bookkeeping in its key-value storage (billed as rows written): its position in the
// room's stream (life, batch, lastSeq), one row a batch (src/room/shards/room-shard.ts #apply).
const SHARD_ROWS_PER_BATCH = 1;
const BYTES_PER_MESSAGE = 400;
const HISTORY_KEEP = 10_000;

type Row = Record<string, string>;
const money = (n: number) => `$${n < 10 ? n.toFixed(2) : Math.round(n).toLocaleString("en-US")}`;
const big = (n: number) =>
  n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : Math.round(n).toLocaleString("en-US");

function model(people: number, rate: number) {
  const shards = Math.max(0, Math.ceil(people / S) - 1);
  const onRoom = Math.min(people, S);
  const flushes = flushesPerSec(rate);
  const us = 1e-6;
  // CPU seconds a second (utilisation of one object's thread).
  const quietRoom =
    rate * costs.roomPerForwardedMessageUs * us +
    rate * onRoom * costs.roomDeliveryUs * us +
    flushes * shards * costs.roomPerBatchUs * us;
  const quietShard =
    shards > 0
      ? rate * S * costs.shardDeliveryUs * us +
        flushes * costs.shardPerBatchUs * us +
        (rate / (shards + 1)) * costs.shardPerFrameUs * us +
        (S / REPORT_EVERY_S) * costs.shardPerFrameUs * us
      : 0;
  // Past a full thread the room batches (group commit): then a delivery costs the busy figure.
  const room = quietRoom <= 1 ? quietRoom : rate * (costs.roomPerForwardedMessageUs + onRoom * BUSY_DELIVERY_US) * us;
  const shard = quietShard <= 1 ? quietShard : rate * S * BUSY_DELIVERY_US * us;
  const perMessageRoomUs =
    costs.roomPerForwardedMessageUs + onRoom * costs.roomDeliveryUs + shards * costs.roomPerBatchUs;
  const roomMaxRate = 1 / (perMessageRoomUs * us);
  // Busy: frames carry many messages, one RPC per shard per flush carries many too (its cost left out).
  const busyPerMessageUs = costs.roomPerForwardedMessageUs + onRoom * BUSY_DELIVERY_US;
  const busyMaxRate = 1 / (busyPerMessageUs * us);
  // Requests a month.
  const incoming = (rate + people * (Math.min(rate, 1 / REPORT_EVERY_S) + 1 / PING_EVERY_S)) * MONTH_S;
  const senderOnShard = shards > 0 ? (people - onRoom) / people : 0;
  const rpc = (flushes * shards + rate * senderOnShard) * MONTH_S;
  const joins = people * RECONNECTS_PER_DAY * 30;
  const joinRequests = joins * (1 + 2 * senderOnShard); // room fetch; past the room: shard fetch + joinRemote
  const alarms = ((shards + 1) * MONTH_S) / 30;
  const requests = incoming / 20 + rpc + joinRequests + alarms;
  // Duration: from the CPU above (lower bound) to every object active all month (upper bound).
  const gbsLow = Math.min(room, 1) * MONTH_S * OBJECT_GB + shards * Math.min(shard, 1) * MONTH_S * OBJECT_GB;
  const gbsHigh = (shards + 1) * MONTH_S * OBJECT_GB;
  const rows = rate * ROWS_PER_MESSAGE * MONTH_S + shards * flushes * SHARD_ROWS_PER_BATCH * MONTH_S + joins * 2;
  const storedGb = (HISTORY_KEEP * BYTES_PER_MESSAGE + people * 300) / 1e9;
  const cost = {
    requests: (requests / 1e6) * PRICE.requestPerM,
    durationLow: (gbsLow / 1e6) * PRICE.gbSecondPerM,
    durationHigh: (gbsHigh / 1e6) * PRICE.gbSecondPerM,
    rows: (rows / 1e6) * PRICE.rowWrittenPerM,
    storage: storedGb * PRICE.gbMonth,
  };
  return {
    shards,
    room,
    shard,
    roomMaxRate,
    busyPerMessageUs,
    busyMaxRate,
    incoming,
    rpc,
    requests,
    gbsLow,
    gbsHigh,
    rows,
    storedGb,
    cost,
  };
}

const table = (rows: Row[]) => {
  const keys = Object.keys(rows[0] ?? {});
  return [
    `| ${keys.join(" | ")} |`,
    `|${keys.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${keys.map((k) => r[k]).join(" | ")} |`),
  ].join("\n");
};

console.log(
  `Per-part costs from ${file}: ${JSON.stringify(costs)}\nROOM_SHARD_SOCKETS=${S}, busy delivery ${BUSY_DELIVERY_US} µs\n`,
);
const load: Row[] = [];
for (const people of [100, 2_000, 10_000, 100_000, 400_000]) {
  const m = model(people, 1);
  load.push({
    people: people.toLocaleString("en-US"),
    "shard objects": String(m.shards),
    "room object, µs a message, quiet (a flush each)": (1e6 / m.roomMaxRate).toFixed(0),
    "that is full at msg/s": Math.round(m.roomMaxRate).toLocaleString("en-US"),
    "µs a message, busy (batched)": m.busyPerMessageUs.toFixed(0),
    "room saturates at msg/s": Math.round(m.busyMaxRate).toLocaleString("en-US"),
    "room busy at 1 msg/s": `${(100 * m.room).toFixed(2)}%`,
    "each shard busy at 1 msg/s": m.shards > 0 ? `${(100 * m.shard).toFixed(2)}%` : "-",
  });
}
console.log(table(load));
const bill: Row[] = [];
for (const rate of [1, 10]) {
  for (const people of [100, 10_000, 100_000]) {
    const m = model(people, rate);
    const total = m.cost.requests + m.cost.rows + m.cost.storage;
    bill.push({
      people: people.toLocaleString("en-US"),
      "msg/s": String(rate),
      shards: String(m.shards),
      "requests (incoming/20 + RPC + joins + alarms)": `${big(m.requests)}: ${money(m.cost.requests)}`,
      "of which RPC": big(m.rpc),
      "duration GB-s (CPU .. always active)": `${big(m.gbsLow)}..${big(m.gbsHigh)}: ${money(m.cost.durationLow)}..${money(m.cost.durationHigh)}`,
      "rows written": `${big(m.rows)}: ${money(m.cost.rows)}`,
      "stored data": money(m.cost.storage),
      "a month (duration low..high)": `${money(total + m.cost.durationLow)}..${money(total + m.cost.durationHigh)}`,
      "room object busy": `${(100 * m.room).toFixed(1)}%`,
    });
  }
}
console.log(`\n${table(bill)}`);

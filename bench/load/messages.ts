// What the coordinator and its generator processes say to each other over IPC.
import type { Histogram } from "./histogram.ts";

export type Protocol = "parley" | "ws" | "socketio" | "floor" | "chatdemo" | "partyserver";

export type Command =
  | {
      cmd: "connect";
      protocol: Protocol;
      url: string;
      room: string;
      indices: number[];
      total: number;
      concurrency: number;
      /** Offer permessage-deflate. */
      deflate: boolean;
      /** Ready at `open` (a crowd joining as fast as it can) or at the server's first answer. */
      readyOn: "open" | "welcome";
      /** Stop opening sockets after this long (the rest are left out). */
      budgetMs?: number;
    }
  | { cmd: "quiet"; quietMs: number; timeoutMs: number }
  | { cmd: "run"; startAt: number; durationMs: number; warmupMs: number; rate: number; total: number }
  /** Waits until every own message has its ack or refusal (or the deadline), then names those not acked. */
  | { cmd: "answers"; deadline: number }
  // `notExpected`: by sender, own messages no receiver should count on (refused, or not answered in time).
  | { cmd: "drain"; sent: number[]; notExpected: [number, number[]][]; deadline: number }
  | { cmd: "close" };

/** Delivery counts of one generator, over every receiver it holds. */
export type DeliveryReport = {
  histogram: Histogram;
  /** Deliveries that arrived while senders were sending (for messages/s). */
  inWindow: number;
  delivered: number;
  expected: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  acks: number;
  /** Own messages refused \`rate_limited\`: never stored, so never delivered. */
  refused: number;
  errors: number;
  /** Parley only: messages whose seq was not above the last one the same socket got. */
  seqOutOfOrder: number;
  /** Frames (or batches) that carried at least one delivery. */
  frames: number;
  /** Per second from the start of sending: deliveries, acks and refusals. */
  series: { delivered: number[]; acks: number[]; refused: number[] };
  /** CPU seconds this process used from the run's start until its report. */
  cpuSeconds: number;
};

export type Reply =
  | {
      ev: "connected";
      opened: number;
      failed: number;
      /** Sockets that negotiated permessage-deflate. */
      deflated: number;
      /** From the first open to the last one ready. */
      elapsedMs: number;
      firstError?: string;
    }
  | { ev: "quiet"; idle: boolean }
  | { ev: "sent"; sent: [number, number][]; cpuSeconds: number }
  // By sender: own messages no receiver should count on (refused, or not acked when the wait ended: the room may
  // still be reading them); neither counts as lost.
  | { ev: "answered"; notExpected: [number, number[]][] }
  | ({ ev: "drained" } & DeliveryReport)
  /** `closedByServer`: sockets the server closed (or that dropped) before the bench closed them. */
  | { ev: "closed"; closedByServer: number; closeCodes: Record<string, number> };

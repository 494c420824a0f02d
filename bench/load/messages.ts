// What the coordinator and its generator processes say to each other over IPC.
import type { Histogram } from "./histogram.ts";

export type Protocol = "parley" | "ws" | "socketio" | "floor";

export type Command =
  | {
      cmd: "connect";
      protocol: Protocol;
      url: string;
      room: string;
      indices: number[];
      total: number;
      concurrency: number;
    }
  | { cmd: "quiet"; quietMs: number; timeoutMs: number }
  | { cmd: "run"; startAt: number; durationMs: number; warmupMs: number; rate: number; total: number }
  | { cmd: "drain"; sent: number[]; deadline: number }
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
  errors: number;
  /** CPU seconds this process used from the run's start until its report. */
  cpuSeconds: number;
};

export type Reply =
  | { ev: "connected"; opened: number; failed: number; firstError?: string }
  | { ev: "quiet"; idle: boolean }
  | { ev: "sent"; sent: [number, number][]; cpuSeconds: number }
  | ({ ev: "drained" } & DeliveryReport)
  | { ev: "closed" };

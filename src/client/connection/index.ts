// The page's way into connection/: a room sync over a reconnecting socket,
// with no DOM of its own (browser-runtime.ts binds it to the browser).

export { browserRuntime } from "./browser-runtime";
export type { ChatEvents, ConnectionOptions, ConnectionState, LogChange } from "./events";
export { type Change, type JsonStore, Outbox, type OutboxEntry } from "./outbox";
export { type Refusal, type RefusalKind, refusalKind } from "./refusal";
export { RoomSync } from "./room-sync";

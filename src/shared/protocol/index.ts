// The wire protocol: the one source for server, page and tests (docs/protocol.md).
// Frames are JSON text; every incoming frame goes through parseClientMessage or parseServerMessage.
export * from "./client-frames";
export * from "./conversation";
export * from "./frames";
export { CLOSE_CODES, type ErrorCode, LIMITS } from "./limits";
export * from "./server-frames";

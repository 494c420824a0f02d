// What the worker, the room and the page share: the wire protocol, room names, display names and
// their skeletons, and what the worker hands the room about a person. It imports nothing outside itself.

export { CONFUSABLES_VERSION } from "./confusables-data";
export * from "./display-name";
export * from "./joiner";
export * from "./protocol";
export * from "./room-name";
export * from "./time";

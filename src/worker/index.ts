// The stateless edge: the Hono app (routes and every check before a room is touched) and the
// Durable Objects of its own: AdminGuard counts wrong admin tokens, DeviceLink keeps one device link.
export { AdminGuard } from "./admin-guard";
export { app } from "./app";
export { DeviceLink } from "./device-link";

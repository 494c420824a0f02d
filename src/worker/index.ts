// The stateless edge: the Hono app (routes and every check before a room is touched) and the
// AdminGuard Durable Object that counts wrong admin tokens.
export { AdminGuard } from "./admin-guard";
export { app } from "./app";

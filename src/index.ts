import { app } from "./app";

export { AdminGuard } from "./admin-guard";
export { ChatRoom } from "./chat-room";

export default app satisfies ExportedHandler<Env>;

import { app } from "./worker";

export { ChatRoom } from "./room";
export { AdminGuard } from "./worker";

export default app satisfies ExportedHandler<Env>;

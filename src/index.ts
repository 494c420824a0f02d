import { app } from "./worker";

export { ChatRoom } from "./room";
export { AdminGuard, DeviceLink } from "./worker";

export default app satisfies ExportedHandler<Env>;

import { app } from "./worker";

export { ChatRoom, RoomShard } from "./room";
export { AdminGuard, DeviceLink } from "./worker";

export default app satisfies ExportedHandler<Env>;

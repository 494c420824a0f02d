import { app } from "./app";

export { ChatRoom } from "./chat-room";

export default app satisfies ExportedHandler<Env>;

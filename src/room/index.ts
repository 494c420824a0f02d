// The room: one Durable Object per room and everything only it uses. The worker enters it here.
export { ChatRoom, type RoomInfo, type RoomRefusal } from "./chat-room";
export { RoomShard } from "./shards/room-shard";
export { SHARD_FULL_HEADER, SHARD_HEADER, shardName } from "./shards/shard-ops";

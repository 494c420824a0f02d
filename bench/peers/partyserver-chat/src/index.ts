// partyserver's chat room: hibernating connections; each message is broadcast as received
// to everyone but its sender and inserted into SQLite; a newcomer gets the stored messages.
import { type Connection, routePartykitRequest, Server, type WSMessage } from "partyserver";

type Env = { Chat: DurableObjectNamespace<Chat> };
type ChatMessage = { id: string; user: string; role: string; content: string };

export class Chat extends Server<Env> {
  static override options = { hibernate: true };
  #messages: ChatMessage[] = [];

  override onStart(): void {
    this.ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, user TEXT, role TEXT, content TEXT)",
    );
    this.#messages = this.ctx.storage.sql.exec<ChatMessage>("SELECT * FROM messages").toArray();
  }

  override onConnect(connection: Connection): void {
    connection.send(JSON.stringify({ type: "all", messages: this.#messages }));
  }

  override onMessage(connection: Connection, message: WSMessage): void {
    this.broadcast(message, [connection.id]);
    if (typeof message !== "string") return;
    const parsed = JSON.parse(message) as { type?: string } & ChatMessage;
    if (parsed.type !== "add" && parsed.type !== "update") return;
    const row = { id: parsed.id, user: parsed.user, role: parsed.role, content: parsed.content };
    this.#messages.push(row);
    this.ctx.storage.sql.exec(
      "INSERT INTO messages (id, user, role, content) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET content = ?",
      row.id,
      row.user,
      row.role,
      row.content,
      row.content,
    );
  }
}

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/api/health") return Response.json({ ok: true });
    return (await routePartykitRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;

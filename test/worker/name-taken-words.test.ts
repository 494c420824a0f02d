import { describe, expect, it } from "vitest";
import { deviceCookie, freshRoom, join, keyOf, request, say } from "./helpers";

async function refusedWith(room: string, name: string, key: string): Promise<{ status: number; message: string }> {
  const response = await request(`/api/rooms/${room}/ws?name=${name}`, { headers: deviceCookie(key) });
  const body = (await response.json()) as { error: { message: string } };
  return { status: response.status, message: body.error.message };
}

describe("the words for a name someone else has", () => {
  it("says the name is in use while its holder is here, and reserved once they have gone", async () => {
    const room = freshRoom();
    const bob = await join(room, "Bob");
    await say(bob, "hello");
    const here = await refusedWith(room, "Bob", keyOf("impostor"));
    expect(here).toMatchObject({
      status: 409,
      message: expect.stringContaining('someone else in this room goes by "Bob"'),
    });
    bob.close();
    await bob.closed();
    const gone = await refusedWith(room, "Bob", keyOf("impostor"));
    expect(gone.status).toBe(409);
    expect(gone.message).toContain('"Bob" is reserved by someone who used it here recently');
    expect(gone.message).not.toContain("goes by");
  });
});

import { describe, expect, it } from "vitest";
import { freshRoom, join } from "./helpers";

describe("ordering", () => {
  it("shows every socket one seq order while several people send at once", async () => {
    const room = freshRoom();
    const people = await Promise.all(["ann", "ben", "cat", "dan", "eve", "fay"].map((name) => join(room, name)));
    // Within each connection's burst allowance, all at once.
    const perPerson = 10;
    for (let i = 0; i < perPerson; i++) {
      for (const person of people) person.send({ type: "send", id: `${i}`, text: `message ${i}` });
    }
    const total = perPerson * people.length;
    const seen = await Promise.all(
      people.map(async (person) => {
        await person.collect("ack", perPerson);
        await person.collect("message", total - perPerson);
        const acked = person.of("ack").map((a) => a.seq);
        const received = person.of("message").map((m) => m.seq);
        return [...acked, ...received].sort((a, b) => a - b);
      }),
    );
    const all = Array.from({ length: total }, (_, i) => i + 1);
    for (const seqs of seen) expect(seqs).toEqual(all);
    // Each socket received the others' messages in increasing seq order.
    for (const person of people) {
      const received = person.of("message").map((m) => m.seq);
      expect(received).toEqual([...received].sort((a, b) => a - b));
    }
  });
});

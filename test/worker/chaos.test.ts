import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { freshRoom } from "./helpers";
import { ResilientClient } from "./resilient-client";

/** A small seeded PRNG, so a failing run can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("chaos", () => {
  it("delivers every acked message to every client exactly once, in seq order, through drops and an eviction", async () => {
    const seed = Date.now() % 100_000;
    const random = mulberry32(seed);
    const room = freshRoom();
    const people = ["ann", "ben", "cat", "dan", "eve"].map((name) => new ResilientClient(room, name));
    const perPerson = 20;
    await Promise.all(people.map((p) => p.connect()));

    const reconnecting = new Set<ResilientClient>();
    const blip = (person: ResilientClient) => {
      if (reconnecting.has(person)) return;
      reconnecting.add(person);
      person.drop();
      setTimeout(
        () =>
          person
            .connect()
            .catch((error) => console.error(`seed ${seed}: reconnect failed`, error))
            .finally(() => reconnecting.delete(person)),
        random() * 150,
      );
    };

    // The storm: everyone sends while connections drop at random.
    for (let i = 0; i < perPerson; i++) {
      for (const person of people) {
        person.send(`${person.name}-${i}`, `${person.name} says ${i}`);
        if (random() < 0.15) blip(person);
      }
      if (i === perPerson / 2) await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "hibernate" });
      await sleep(60 + random() * 60);
    }

    // Everyone retries until acked and catches up.
    const total = people.length * perPerson;
    const deadline = Date.now() + 60_000;
    while (people.some((p) => p.outbox.size > 0 || p.lastSeq < total || !p.connected)) {
      if (Date.now() > deadline) {
        const state = people.map((p) => `${p.name}: outbox ${p.outbox.size}, lastSeq ${p.lastSeq}`);
        throw new Error(`seed ${seed}: did not settle: ${state.join("; ")}`);
      }
      for (const p of people) if (!p.connected && !reconnecting.has(p)) blip(p);
      await sleep(50);
    }

    // The room stored each message once, with gap-free seqs.
    const stored = await runInDurableObject(env.ROOMS.getByName(room), (_room, state) =>
      state.storage.sql
        .exec<{ seq: number; name: string; client_id: string }>(
          "SELECT seq, name, client_id FROM messages ORDER BY seq",
        )
        .toArray(),
    );
    expect(
      stored.map((r) => r.seq),
      `seed ${seed}`,
    ).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(stored.map((r) => `${r.name}/${r.client_id}`)).size).toBe(total);

    for (const person of people) {
      expect(person.acked.size, `seed ${seed}: ${person.name} acks`).toBe(perPerson);
      // Exactly once, in seq order, nothing missing.
      expect(
        person.shown.map((m) => m.seq),
        `seed ${seed}: ${person.name} saw`,
      ).toEqual(stored.map((r) => r.seq));
      expect(person.rawDuplicates, `seed ${seed}: ${person.name} duplicates`).toBe(0);
      for (const m of person.shown) {
        const row = stored[m.seq - 1];
        expect(`${m.name}/${m.id}`).toBe(`${row?.name}/${row?.client_id}`);
      }
    }
    const reconnects = people.reduce((n, p) => n + p.connections - 1, 0);
    expect(reconnects, `seed ${seed}: the chaos must actually drop connections`).toBeGreaterThan(3);
  }, 90_000);
});

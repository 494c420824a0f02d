import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The worker tests' deployment: small limits, so tests reach them quickly (production's are in wrangler.toml).
const workerMiniflare = {
  bindings: {
    // One trusted foreign origin, so the allow-list is exercised.
    ALLOWED_ORIGINS: "https://friend.example, not a url",
    ROOM_SOCKET_LIMIT: "12",
    ROOM_SOCKETS_PER_ADDRESS: "4",
    // At least 32 characters, or the admin API stays off.
    ADMIN_TOKEN: "test-admin-token-of-at-least-32-characters",
    ROOM_IDLE_DAYS: "30",
    HISTORY_DAYS: "365",
    // 4 MiB of history a socket a minute (production: 8 MiB), so tests reach it quickly.
    HISTORY_BYTES_PER_MINUTE: "4194304",
  },
  // Small limits, so tests reach them quickly (production's are in wrangler.toml).
  ratelimits: {
    CONNECT_LIMITER: { namespace_id: "1001", simple: { limit: 30, period: 60 } },
    API_LIMITER: { namespace_id: "1002", simple: { limit: 20, period: 60 } },
    LINK_LIMITER: { namespace_id: "1003", simple: { limit: 10, period: 60 } },
  },
} as const;

export default defineConfig({
  test: {
    // The JSON report is what CI counts (.ci/run).
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: workerMiniflare,
          }),
        ],
        test: { name: "worker", include: ["test/worker/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        // The same worker tests with every socket but a room's first on a shard of its own (ROOM_SHARD_SOCKETS=1):
        // everything a client sees must be the same across shards. Left out: tests that read the room object's own
        // sockets (the prune alarm, `shards: 0`) or assert one interleaving of frames sent by different sockets.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { ...workerMiniflare, bindings: { ...workerMiniflare.bindings, ROOM_SHARD_SOCKETS: "1" } },
          }),
        ],
        test: {
          name: "worker-over-shards",
          include: ["test/worker/**/*.test.ts"],
          exclude: [
            "test/worker/hibernation.test.ts",
            "test/worker/routing.test.ts",
            "test/worker/limits.test.ts",
            "test/worker/store-faults.test.ts",
          ],
          testTimeout: 20_000,
        },
      },
      {
        // A signed-in deployment (AUTH = "jwt"), through the real worker.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { AUTH: "jwt", AUTH_SECRET: "worker-jwt-test-secret-of-at-least-32-chars" } },
          }),
        ],
        test: { name: "worker-jwt", include: ["test/worker-jwt/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        // Rooms spread over shards: 5 sockets an object, so a few dozen sockets make many shards.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { ROOM_SHARD_SOCKETS: "5" },
              ratelimits: {
                CONNECT_LIMITER: { namespace_id: "1001", simple: { limit: 1000, period: 60 } },
                API_LIMITER: { namespace_id: "1002", simple: { limit: 1000, period: 60 } },
                LINK_LIMITER: { namespace_id: "1003", simple: { limit: 10, period: 60 } },
              },
            },
          }),
        ],
        test: { name: "worker-shards", include: ["test/worker-shards/**/*.test.ts"], testTimeout: 30_000 },
      },
      {
        // A room past SPEC's 500 online (presence as a count): production's room caps, real sockets.
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: { name: "worker-crowd", include: ["test/worker-crowd/**/*.test.ts"], testTimeout: 120_000 },
      },
      {
        // A room assumed to deliver 100 messages a second (production: ROOM_DELIVERIES_PER_SECOND, 150,000), so a few sockets pass its capacity.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ROOM_DELIVERIES_PER_SECOND: "100" } },
          }),
        ],
        test: { name: "worker-capacity", include: ["test/worker-capacity/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        // Plain Node: logic that needs no runtime (the page's connection, with a fake socket and fake timers).
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        // Real processes: wrangler dev, Chromium, the bench. One file at a time on 2 cores.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

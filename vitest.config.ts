import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

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
            // One trusted foreign origin, so the allow-list is exercised.
            miniflare: {
              bindings: {
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
            },
          }),
        ],
        test: { name: "worker", include: ["test/worker/**/*.test.ts"], testTimeout: 20_000 },
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
        // A room assumed to deliver 100 messages a second (production: 100,000), so a few sockets pass its capacity.
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

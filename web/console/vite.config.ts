/// <reference types="vitest/config" />
// The console's build: one HTML page and hashed assets under /assets/, all served by SpawnIt
// (app/console.py). Nothing is loaded from another host at run time.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsDir: "assets",
    sourcemap: false,
    modulePreload: { polyfill: false },
  },
  // `npm run dev`: the API of a `scripts/serve` on port 8000 behind Vite's own server
  server: {
    proxy: {
      "/graphql": { target: "http://127.0.0.1:8000", ws: true },
      "/console/config.json": "http://127.0.0.1:8000",
      "/catalog/icons": "http://127.0.0.1:8000",
    },
  },
  test: { environment: "happy-dom", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});

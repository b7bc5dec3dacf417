import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

// The server serves web/dist itself (src/server/web-client.ts); `npm run dev:web` proxies the API to a running
// server so the app can be worked on with hot reload.
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names under /assets/ are what the server caches for a year.
    assetsDir: "assets",
    sourcemap: false,
  },
  server: {
    proxy: { "/api": process.env.SCAIDRIVE_DEV_API ?? "http://127.0.0.1:8080" },
  },
});

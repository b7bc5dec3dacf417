import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Hashed build output: a file's name changes whenever its content does, so it may be cached for a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** index.html names the current hashed assets: always revalidated so a new build is picked up at once. */
const REVALIDATE = "no-cache";

/**
 * The directory of the built web client: SCAIDRIVE_WEB_DIR when set, otherwise `web/dist` of the package this
 * module belongs to (found by walking up to the package.json, so it works from `src/` under tsx and from `dist/`).
 */
export function defaultWebDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "web"))) return join(dir, "web", "dist");
    const parent = dirname(dir);
    if (parent === dir) return resolve("web", "dist");
    dir = parent;
  }
}

function isApiPath(url: string): boolean {
  return url === "/api" || url.startsWith("/api/") || url.startsWith("/api?");
}

/**
 * Serves the build's files as they are (hashed assets cached for a year, others revalidated). Registered on the root
 * instance; the app's own routes are answered by {@link appPageFallback} from the 404 handler, so no wildcard route
 * shadows the API's own answers for unmatched or malformed `/api/` URLs.
 */
export async function installWebClient(app: FastifyInstance, webDir: string): Promise<void> {
  if (!existsSync(join(webDir, "index.html"))) return;
  await app.register(fastifyStatic, {
    root: webDir,
    prefix: "/",
    index: false,
    wildcard: false,
    cacheControl: false,
    decorateReply: false,
    // scripts/compress-web.mjs writes .br and .gz beside each asset at build time.
    preCompressed: true,
    setHeaders(reply, path) {
      reply.header("cache-control", path.includes("/assets/") ? IMMUTABLE : REVALIDATE);
    },
  });
}

/**
 * For the 404 handler: a GET or HEAD outside `/api/` and `/assets/` is one of the app's routes (`/files/…`,
 * `/admin/users`), answered with index.html so a reload or a shared link opens the page; everything else is left to
 * the JSON 404 (a missing hashed asset must not come back as HTML). Without a build, pages answer 503 saying how to
 * build it. Returns false when the request is not a page.
 */
export function appPageFallback(webDir: string) {
  const index = join(webDir, "index.html");
  return async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const path = request.url.split("?")[0]!;
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    if (isApiPath(path) || path.startsWith("/assets/")) return false;
    let html: string;
    try {
      html = await readFile(index, "utf8");
    } catch {
      await reply
        .status(503)
        .type("text/plain; charset=utf-8")
        .send("The ScaiDrive web client is not built. Run `npm run build` (npm start does it), then reload.\n");
      return true;
    }
    await reply.status(200).header("cache-control", REVALIDATE).type("text/html; charset=utf-8").send(html);
    return true;
  };
}

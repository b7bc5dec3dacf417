import type { FastifyInstance } from "fastify";

/**
 * JSON answers end with a newline, as text on a terminal should (`curl` output no longer runs
 * into the prompt). Serialised JSON reaches onSend as a string; streams and buffers (downloads)
 * are left alone.
 */
export function installJsonNewline(app: FastifyInstance): void {
  app.addHook("onSend", async (_request, reply, payload) => {
    if (typeof payload !== "string" || payload.endsWith("\n")) return payload;
    const type = reply.getHeader("content-type");
    return typeof type === "string" && type.includes("json") ? `${payload}\n` : payload;
  });
}

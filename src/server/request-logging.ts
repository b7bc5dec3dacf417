import type { FastifyInstance } from "fastify";

/**
 * One structured line per request: id (`req_id`, from the child logger), method, route pattern (not the raw URL, which may carry
 * user paths), status and duration. Headers are never logged, so tokens cannot leak here.
 */
export function installRequestLogging(app: FastifyInstance): void {
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? "(unmatched)",
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
        user_id: request.actor?.userId,
      },
      "request",
    );
  });
}

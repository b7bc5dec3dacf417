import type { Socket } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Status written by the client-error handler on a connection whose request was in flight. */
const answeredByClientError = new WeakMap<Socket, number>();
const logged = Symbol("scaidrive.requestLogged");
const started = Symbol("scaidrive.requestStarted");

type TrackedRequest = FastifyRequest & { [logged]?: true; [started]?: number };

/** Notes that the client-error handler answered `status` on this connection (see client-error-handler.ts). */
export function noteClientErrorAnswer(socket: Socket, status: number): void {
  answeredByClientError.set(socket, status);
}

/**
 * Status logged for a request the client abandoned before its answer went out: nobody received
 * an answer, and 499 is the customary "client closed request" of access logs.
 */
export const CLIENT_CLOSED_REQUEST = 499;

/** Writes the request's access-log line, at most once per request. */
function logRequest(
  request: FastifyRequest,
  status: number,
  elapsedMs: number | undefined,
  extra?: Record<string, unknown>,
): void {
  const r = request as TrackedRequest;
  if (r[logged]) return;
  r[logged] = true;
  request.log.info(
    {
      method: request.method,
      route: request.routeOptions.url ?? "(unmatched)",
      status,
      duration_ms: elapsedMs === undefined ? undefined : Math.round(elapsedMs * 10) / 10,
      user_id: request.actor?.userId,
      ...extra,
    },
    "request",
  );
}

/**
 * One structured line per request: id (`req_id`, from the child logger), method, route pattern (not the raw URL, which
 * may carry
 * user paths), status and duration. Headers are never logged, so tokens cannot leak here.
 * A request the client abandoned (connection closed before the answer) gets its line too, with
 * `aborted: true` and status 499, or the status the client-error handler wrote on the connection.
 */
export function installRequestLogging(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    (request as TrackedRequest)[started] = performance.now();
  });
  app.addHook("onResponse", async (request, reply) => {
    logRequest(request, reply.statusCode, reply.elapsedTime);
  });
  app.addHook("onRequestAbort", async (request) => {
    const start = (request as TrackedRequest)[started];
    const status = answeredByClientError.get(request.raw.socket) ?? CLIENT_CLOSED_REQUEST;
    logRequest(request, status, start === undefined ? undefined : performance.now() - start, { aborted: true });
  });
}

/** The access-log line for an answer given outside the route lifecycle (Fastify's framework errors). */
export function logFrameworkAnswer(request: FastifyRequest, reply: FastifyReply): void {
  const start = performance.now();
  reply.raw.once("finish", () => logRequest(request, reply.raw.statusCode, performance.now() - start));
}

import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { FaultRules } from "./control/fault-rules.js";
import type { RequestCounters } from "./control/request-counters.js";
import { EntraError, entraErrorBody } from "./entra/entra-error.js";
import { GraphError, graphErrorBody } from "./graph/graph-error.js";
import { parseGraphPath } from "./graph/graph-path.js";
import { graphTemplates } from "./graph/graph-routes.js";
import type { PublicOrigin } from "./public-origin.js";

export interface ServerOptions {
  tls: { certPem: string; keyPem: string };
  faults: FaultRules;
  counters: RequestCounters;
  baseUrl: () => string;
  /** Gives each request its origin for the absolute URLs it is answered with. */
  publicOrigin?: PublicOrigin;
}

const requestIds = new WeakMap<FastifyRequest, string>();
/** Requests answered by an injected fault: counted when the fault fired, not again on response. */

function redactUrl(url: string): string {
  return url.replace(/^\/_(download|upload)\/[^/?]+/, "/_$1/<redacted>");
}

/** The route template a request is counted and matched under: Graph's own, else Fastify's. */
function templateOf(req: FastifyRequest): string {
  const graph = graphTemplates.get(req);
  if (graph) return graph;
  const path = req.url.split("?")[0];
  if (path.startsWith("/v1.0/")) {
    try {
      return parseGraphPath(path.slice(5)).template;
    } catch {
      return path;
    }
  }
  return req.routeOptions.url ?? path;
}

/**
 * The HTTPS server shell: Graph request ids (`request-id`, echoed `client-request-id`), fault
 * injection before routing (429/503 with Retry-After, 500, connection reset, slow), request
 * counting per route template, and one error handler that answers Graph's envelope for
 * {@link GraphError}s, Entra's shape for Entra errors and `generalException` for anything
 * unexpected (logged, never a bare stack).
 */
export function createServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    https: { cert: opts.tls.certPem, key: opts.tls.keyPem },
    // To stderr: stdout's first line is the CLI's info JSON. Download and upload URLs are
    // bearer capabilities, so they are never logged whole.
    logger: process.env.GRAPH_EMULATOR_LOG
      ? {
          level: process.env.GRAPH_EMULATOR_LOG,
          stream: process.stderr,
          serializers: { req: (req) => ({ method: req.method, url: redactUrl(req.url) }) },
        }
      : false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
    // Graph item paths are long and full of colons and encoded characters.
    routerOptions: { maxParamLength: 2000 },
  });

  opts.publicOrigin?.install(app);
  app.addHook("onRequest", async (req, reply) => {
    const requestId = randomUUID();
    requestIds.set(req, requestId);
    reply.header("request-id", requestId);
    const clientId = req.headers["client-request-id"];
    reply.header("client-request-id", typeof clientId === "string" ? clientId : requestId);
    if (req.url.startsWith("/_emulator/")) return;
    // Counted on arrival, not on response: a client may read the body and ask for the counters
    // before Fastify's onResponse hook has run.
    opts.counters.record(req.method, templateOf(req));
    const path = req.url.split("?")[0];
    const action = opts.faults.match(req.method, path, `${req.method} ${templateOf(req)}`);
    if (!action) return;
    if (action.kind === "slow") {
      await sleep(action.delayMs);
      return;
    }
    if (action.kind === "reset") {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    if (action.kind === "redirect") return reply.redirect(action.location, 302);
    throw action.error;
  });

  app.setErrorHandler((err, req, reply) => {
    const requestId = requestIds.get(req) ?? randomUUID();
    if (err instanceof GraphError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) void reply.header(k, v);
      const clientId = req.headers["client-request-id"];
      return reply
        .code(err.status)
        .send(graphErrorBody(err, requestId, typeof clientId === "string" ? clientId : undefined));
    }
    if (err instanceof EntraError) {
      return reply.code(err.status).send(entraErrorBody(err, opts.baseUrl()));
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply
        .code(status)
        .send(graphErrorBody(new GraphError(status, "invalidRequest", (err as Error).message), requestId));
    }
    req.log.error({ err }, "unexpected error");
    return reply
      .code(500)
      .send(graphErrorBody(new GraphError(500, "generalException", "An unspecified error has occurred."), requestId));
  });

  app.setNotFoundHandler((req, reply) => {
    const requestId = requestIds.get(req) ?? randomUUID();
    void reply
      .code(404)
      .send(
        graphErrorBody(
          new GraphError(404, "itemNotFound", `No route ${req.method} ${req.url.split("?")[0]}`),
          requestId,
        ),
      );
  });

  return app;
}

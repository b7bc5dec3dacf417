/**
 * `GET /api/v1/events[?connector_id=]`: a Server-Sent Events stream of connector and job events
 * (docs/connectors.md "Live events") for the connections pages of the web client. Bearer token or
 * session cookie (a GET: no CSRF check). Only connectors the caller may see; a `connector_id` they
 * may not see is 404 like on the connector routes.
 *
 * The stream is a plain response body: it never counts against the whole-request timeout (Node
 * measures that until the request has arrived, and a GET has no body), nothing compresses it, and
 * `X-Accel-Buffering: no` / `Cache-Control: no-transform` ask proxies not to buffer or transform it.
 * A comment line every 15 s keeps idle proxies from closing it; the subscription ends when the
 * client goes away, and every stream is ended when the server closes.
 */
import { PassThrough } from "node:stream";
import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { errors } from "../schemas.js";
import type { DeliveredEvent } from "../../core/connector-events.js";

/** Comment line interval: below the usual 60 s idle timeout of proxies. */
const HEARTBEAT_MS = 15_000;
/** Reconnect delay the client should use after the stream drops (`retry:`). */
const RETRY_MS = 3000;
/**
 * Unsent bytes a stream may hold for a client that does not read: beyond it the stream is ended
 * (the client reconnects and re-reads the state) rather than growing without bound.
 */
const MAX_BACKLOG_BYTES = 1024 * 1024;

const DESCRIPTION = [
  "Server-Sent Events (`text/event-stream`). Each event has `event:` (its type), `id:` (increasing within the",
  "server process) and one `data:` line of JSON. A comment line (`: heartbeat`) comes every 15 s; the first",
  "lines carry a `retry:` hint (ms). Only connectors the caller may see (READ on the target share); with",
  "`connector_id`, only that connector's events.",
  "",
  "Every `data` has `connector_id`, `connector_type` and `at` (ISO time). Types:",
  "",
  "- `job.progress`: `job_id`, `files_total`, `files_done`, `bytes_total`, `bytes_done`, `files_scanned`,",
  "  `files_synced`, `bytes_transferred`, `error_count` — at most one per job every 250 ms while the counters",
  "  change, and one with the final counters when the job ends.",
  "- `job.state`: `job_id`, `status` (`queued`, `running`, `completed`, `failed`, `cancelled`), `trigger`,",
  "  `error` (`{code, message}` or null) and the same counters.",
  "- `connector.state`: `status` (`enabled`, `disabled`), `status_reason`, `auth_failed` (true when an",
  "  authentication failure disabled it).",
  "",
  "Events are not replayed: after a reconnect, read the current state from the connector and jobs routes.",
].join("\n");

/** One event in the SSE wire format; the JSON stays on one `data:` line (it has no raw newlines). */
function frame(e: DeliveredEvent): string {
  const { type, id, ...data } = e;
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const eventRoutes: RouteModule = (app, ctx) => {
  const open = new Set<PassThrough>();
  // server.close() waits for open connections; streams never end on their own.
  app.addHook("preClose", async () => {
    for (const s of open) s.end();
  });

  app.get(
    "/api/v1/events",
    {
      schema: {
        tags: ["events"],
        summary: "Live events of connectors and their jobs (Server-Sent Events)",
        description: DESCRIPTION,
        querystring: Type.Object(
          {
            connector_id: Type.Optional(Type.String({ description: "only this connector's events" })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: "the event stream (stays open)",
            content: { "text/event-stream": { schema: Type.String() } },
          },
          ...errors(400, 401, 404),
        },
      },
    },
    async (req, reply) => {
      const actor = await requireUser(req);
      const stream = new PassThrough();
      const send = (text: string) => {
        if (stream.writableEnded) return;
        if (stream.writableLength > MAX_BACKLOG_BYTES) stream.end();
        else stream.write(text);
      };
      const unsubscribe = await ctx.connectorEvents.subscribe(actor, { connectorId: req.query.connector_id }, (e) =>
        send(frame(e)),
      );
      const heartbeat = setInterval(() => send(": heartbeat\n\n"), HEARTBEAT_MS);
      heartbeat.unref();
      open.add(stream);
      let cleaned = false;
      const cleanup = () => {
        if (cleaned) return;
        cleaned = true;
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(stream);
      };
      // The response's close fires when the client disconnects (or the stream ends).
      reply.raw.on("close", cleanup);
      stream.on("close", cleanup);
      // The client may have gone while the subscription was being set up.
      if (req.raw.socket.destroyed) cleanup();
      req.raw.socket.setNoDelay(true);
      stream.write(`retry: ${RETRY_MS}\n: connected\n\n`);
      return reply
        .header("content-type", "text/event-stream; charset=utf-8")
        .header("cache-control", "no-cache, no-transform")
        .header("x-accel-buffering", "no")
        .send(stream as never); // the schema types the body as text; a stream sends it as it comes
    },
  );
};

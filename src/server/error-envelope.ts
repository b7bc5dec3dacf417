import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, ERROR_CODES, isAppError, type ErrorCode } from "../core/errors.js";
import { isDuplicateWrite } from "../core/duplicate-write.js";
import type { ErrorObject } from "ajv";
import { fieldProblems, problemsMessage } from "./validation-message.js";

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function envelope(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

/**
 * Fastify's own errors (`FST_ERR_*`) that a client causes, by code. Anything else Fastify throws
 * with a 4xx status is mapped by status below.
 */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_BAD_URL: "MALFORMED_REQUEST",
  FST_ERR_INVALID_URL: "MALFORMED_REQUEST",
  FST_ERR_MAX_PARAM_LENGTH: "URI_TOO_LONG",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "MALFORMED_REQUEST",
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "VALIDATION_FAILED",
  FST_ERR_CTP_INVALID_JSON_BODY: "VALIDATION_FAILED",
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_ROUTE_MISSING_CONTENT: "VALIDATION_FAILED",
};

/**
 * Turns any error into the §5 envelope: AppErrors by their table entry, Fastify's own errors
 * (validation, body parsing, media type, size, URL) by code or status, everything else as a
 * logged 500 whose message reveals nothing internal.
 */
export function toErrorResponse(err: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
  if (isAppError(err)) return { status: err.status, body: envelope(err.code, err.message, err.details) };
  const fe = err as FastifyError;
  if (fe.validation) {
    const part = fe.validationContext ?? "request";
    const problems = fieldProblems(fe.validation as ErrorObject[]);
    const details: Record<string, unknown> = { field: problems[0]?.field || part, location: part };
    if (problems.length > 1) details.errors = problems;
    return { status: 400, body: envelope("VALIDATION_FAILED", `${part}: ${problemsMessage(part, problems)}`, details) };
  }
  const known = typeof fe.code === "string" ? FASTIFY_CODES[fe.code] : undefined;
  if (known) {
    const details = known === "VALIDATION_FAILED" ? { field: "body" } : undefined;
    // The client sent a body without a media type, or the wrong one: say which one is expected.
    const message =
      known === "UNSUPPORTED_MEDIA_TYPE"
        ? `send JSON bodies with ` +
          `Content-Type: ` +
          `application/json (got ${request.headers["content-type"] ? `"${request.headers["content-type"]}"` : "no Content-Type"})`
        : fe.message;
    return { status: ERROR_CODES[known].status, body: envelope(known, message, details) };
  }
  const status = typeof fe.statusCode === "number" ? fe.statusCode : 500;
  const byStatus: Partial<Record<number, ErrorCode>> = {
    400: "VALIDATION_FAILED",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    415: "UNSUPPORTED_MEDIA_TYPE",
    416: "RANGE_NOT_SATISFIABLE",
    429: "TOO_MANY_REQUESTS",
    431: "HEADERS_TOO_LARGE",
  };
  // A unique index refusing a row the service did not expect to clash: a conflict of the caller's
  // making (a duplicate), never a 500 that would also confirm what exists.
  if (status === 500 && isDuplicateWrite(err)) {
    request.log.warn({ code: (err as { code?: string }).code }, "unique constraint refused a write");
    return { status: 409, body: envelope("ALREADY_EXISTS", "a record with these values already exists") };
  }
  const code = byStatus[status];
  if (code) {
    const details = code === "VALIDATION_FAILED" ? { field: "body" } : undefined;
    return { status: ERROR_CODES[code].status, body: envelope(code, fe.message, details) };
  }
  request.log.error({ err }, "unhandled error");
  return { status: 500, body: envelope("INTERNAL", "internal error; see the server log for request " + request.id) };
}

/**
 * Whether the client went away (connection closed) before the answer: an error then (the body
 * stream cut, `ECONNRESET: aborted`) is the client's doing, not a server fault, and there is
 * nobody to answer.
 */
export function clientGone(request: FastifyRequest): boolean {
  return request.raw.socket?.destroyed === true && !request.raw.complete;
}

/**
 * Installs the error handler and the 404 handler (unknown routes answer NOT_FOUND too). The
 * answers of Fastify's framework errors (bad URL encoding, over-long path parameter) go through
 * {@link frameworkErrorHandler}, given to Fastify as its `frameworkErrors` option.
 */
export function installErrorEnvelope(
  app: FastifyInstance,
  pageFallback?: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>,
): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (clientGone(request)) {
      // Logged by the request log (aborted) and, for uploads, by the upload guard.
      request.log.debug({ err }, "request failed after the client went away");
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    const { status, body } = toErrorResponse(err, request);
    if (status === 401) reply.header("www-authenticate", 'Bearer realm="scaidrive"');
    if (isAppError(err) && typeof err.details?.retry_after_seconds === "number")
      reply.header("retry-after", String(err.details.retry_after_seconds));
    if (isAppError(err) && err.code === "RANGE_NOT_SATISFIABLE" && typeof err.details?.size === "number") {
      reply.header("content-range", `bytes */${err.details.size}`);
    }
    return reply.status(status).type("application/json; charset=utf-8").send(body);
  });
  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    if (pageFallback && (await pageFallback(request, reply))) return reply;
    return reply.status(404).send(envelope("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`));
  });
}

export { AppError };

/**
 * Fastify's `frameworkErrors` option: errors Fastify meets while routing, before any hook runs
 * (FST_ERR_BAD_URL for broken percent-encoding, FST_ERR_MAX_PARAM_LENGTH for a path parameter
 * over `maxParamLength`). Answered with the envelope, the security headers and a request id,
 * and logged like any request.
 */
export function frameworkErrorHandler(
  headers: (url: string) => Record<string, string>,
  onAnswer: (request: FastifyRequest, reply: FastifyReply) => void,
) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const { status, body } = toErrorResponse(err, request);
    onAnswer(request, reply);
    reply.headers(headers(request.raw.url ?? "/")).header("x-request-id", request.id);
    void reply.status(status).type("application/json; charset=utf-8").send(body);
  };
}

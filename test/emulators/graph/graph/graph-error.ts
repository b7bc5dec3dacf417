/**
 * An error Graph answers with: HTTP status plus the `error.code` string of Graph's envelope
 * `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`.
 * Thrown anywhere in the emulator; the server's error handler writes the envelope.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields placed inside `innerError` (e.g. the delta `resyncChangesApplyDifferences` code). */
    readonly inner?: Record<string, unknown>,
    /** Extra response headers (e.g. `Retry-After`, `Location`). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "GraphError";
  }
}

export const notFound = (what = "The resource could not be found."): GraphError =>
  new GraphError(404, "itemNotFound", what);

export const invalidRequest = (message: string): GraphError => new GraphError(400, "invalidRequest", message);

export const accessDenied = (message = "Access denied"): GraphError => new GraphError(403, "accessDenied", message);

export function graphErrorBody(err: GraphError, requestId: string, clientRequestId?: string): unknown {
  return {
    error: {
      code: err.code,
      message: err.message,
      innerError: {
        ...(err.inner ?? {}),
        date: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        "request-id": requestId,
        "client-request-id": clientRequestId ?? requestId,
      },
    },
  };
}

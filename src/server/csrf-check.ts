import type { FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import { csrfTokenMatches, type ActiveSession } from "../core/session-service.js";

/** Methods that change nothing, so need no CSRF defence. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

function normalise(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The request's own origin: its scheme (X-Forwarded-Proto with a trusted proxy) and Host. */
function ownOrigin(request: FastifyRequest): string | undefined {
  return normalise(`${request.protocol}://${request.host}`);
}

function originAllowed(origin: string, request: FastifyRequest, publicOrigins: readonly string[]): boolean {
  const presented = normalise(origin);
  return presented !== undefined && (presented === ownOrigin(request) || publicOrigins.includes(presented));
}

/**
 * CSRF defence for a write authenticated by the session cookie: the browser must say the
 * request comes from this server's own pages (Origin equal to the request's own origin or a
 * configured public one) and the page must echo the session's CSRF token in X-CSRF-Token, which a
 * page of another site cannot read. Bearer requests never get here (a browser never adds that
 * header by itself).
 * @throws AppError CSRF_REJECTED (403) naming the check that failed.
 */
export function checkCsrf(request: FastifyRequest, session: ActiveSession, publicOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (!origin)
    throw new AppError("CSRF_REJECTED", "a write with a session cookie must carry an Origin header", {
      check: "origin",
    });
  if (!originAllowed(origin, request, publicOrigins))
    throw new AppError("CSRF_REJECTED", `Origin ${origin} is not this server's origin`, { check: "origin" });
  const token = request.headers["x-csrf-token"];
  if (typeof token !== "string" || token === "")
    throw new AppError(
      "CSRF_REJECTED",
      "a write with a session cookie must carry X-CSRF-Token (the csrf_token of sign-in or GET /api/v1/auth/session)",
      { check: "csrf_token" },
    );
  if (!csrfTokenMatches(token, session.csrfToken))
    throw new AppError("CSRF_REJECTED", "X-CSRF-Token does not match the session's csrf_token", {
      check: "csrf_token",
    });
}

/**
 * For the public sign-in routes: a browser request from another site's page (an Origin that is
 * not ours) is refused, so no page elsewhere can sign a visitor in to an account of its choosing.
 * Requests without Origin (scripts, curl) pass. @throws AppError CSRF_REJECTED (403).
 */
export function checkOriginIfPresent(request: FastifyRequest, publicOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin !== undefined && !originAllowed(origin, request, publicOrigins))
    throw new AppError("CSRF_REJECTED", `Origin ${origin} is not this server's origin`, { check: "origin" });
}

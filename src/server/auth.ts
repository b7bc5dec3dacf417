import type { FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import type { Actor } from "../core/actor.js";
import type { ActiveSession } from "../core/session-service.js";
import { requireAdmin as requireAdminActor } from "../core/principal-service.js";
import type { RouteContext } from "./app-types.js";
import { sessionCookie } from "./session-cookie.js";
import { checkCsrf, SAFE_METHODS } from "./csrf-check.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The services of the application context, as route modules see them. */
    scaidrive: RouteContext;
  }
  interface FastifyContextConfig {
    /** Route answers without a bearer token or session (health, OpenAPI, sign-in). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Set by {@link requireUser} once the bearer token or session is verified. */
    actor?: Actor;
    /** Set by {@link requireUser} when the request is authenticated by the session cookie. */
    session?: ActiveSession;
  }
}

/**
 * The authenticated caller of a request, cached on the request: `Authorization: Bearer <token>`
 * when the header is present (no CSRF check: browsers never send it on their own), else the
 * `scaidrive_session` cookie, whose writes (any method but GET, HEAD, OPTIONS) must pass the
 * CSRF check (csrf-check.ts).
 * @throws AppError UNAUTHENTICATED (401) for a missing, malformed or unknown token, an unknown
 *   or expired session, or a disabled account; CSRF_REJECTED (403).
 */
export async function requireUser(request: FastifyRequest): Promise<Actor> {
  if (request.actor) return request.actor;
  const ctx = request.server.scaidrive;
  const header = request.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new AppError("UNAUTHENTICATED", "Authorization must be 'Bearer <token>'");
    const actor = await ctx.principals.authenticate(m[1]);
    if (!actor) throw new AppError("UNAUTHENTICATED", "invalid or revoked token");
    request.actor = actor;
    return actor;
  }
  const id = sessionCookie(request.headers.cookie);
  if (id === undefined)
    throw new AppError("UNAUTHENTICATED", "missing Authorization: Bearer <token> (or sign in for a session cookie)");
  const session = await ctx.sessions.resolve(id);
  if (!session) throw new AppError("UNAUTHENTICATED", "the session has ended (signed out or expired); sign in again");
  const actor = await ctx.principals.actorOf(await ctx.principals.getUser(session.userId));
  if (!SAFE_METHODS.has(request.method)) checkCsrf(request, session, ctx.config.publicOrigins);
  request.session = session;
  request.actor = actor;
  return actor;
}

/**
 * onRequest hook: every matched `/api/v1/` route not marked `config: { public: true }` is
 * authenticated before its body is read or validated, so a caller without a valid token or
 * session gets 401 (never a validation error, and an upload body is never consumed), and a
 * cookie write failing the CSRF check gets 403 just as early. Unknown routes fall through to 404.
 */
export async function authenticateApiRoutes(request: FastifyRequest): Promise<void> {
  const url = request.routeOptions.url;
  if (!url || !url.startsWith("/api/v1/") || request.routeOptions.config?.public) return;
  await requireUser(request);
}

/** The caller, who must be an admin. @throws UNAUTHENTICATED, FORBIDDEN */
export async function requireAdmin(request: FastifyRequest): Promise<Actor> {
  const actor = await requireUser(request);
  requireAdminActor(actor);
  return actor;
}

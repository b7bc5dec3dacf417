import type { FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import type { Actor } from "../core/actor.js";
import { requireAdmin as requireAdminActor } from "../core/principal-service.js";
import type { RouteContext } from "./app-types.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The services of the application context, as route modules see them. */
    scaidrive: RouteContext;
  }
  interface FastifyContextConfig {
    /** Route answers without a bearer token (health, OpenAPI). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Set by {@link requireUser} once the bearer token is verified. */
    actor?: Actor;
  }
}

/**
 * The authenticated caller of a request (`Authorization: Bearer <token>`), cached on the request.
 * @throws AppError UNAUTHENTICATED (401) for a missing, malformed or unknown token.
 */
export async function requireUser(request: FastifyRequest): Promise<Actor> {
  if (request.actor) return request.actor;
  const header = request.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m)
    throw new AppError(
      "UNAUTHENTICATED",
      header ? "Authorization must be 'Bearer <token>'" : "missing Authorization: Bearer <token>",
    );
  const actor = await request.server.scaidrive.principals.authenticate(m[1]);
  if (!actor) throw new AppError("UNAUTHENTICATED", "invalid or revoked token");
  request.actor = actor;
  return actor;
}

/**
 * onRequest hook: every matched `/api/v1/` route not marked `config: { public: true }` is
 * authenticated before its body is read or validated, so a caller without a valid token gets 401
 * (never a validation error, and an upload body is never consumed). Unknown routes fall through to 404.
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

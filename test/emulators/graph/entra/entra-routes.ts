/**
 * Mounts the emulated Entra ID on a Fastify instance:
 * - `POST /{tenant}/oauth2/v2.0/token`, `GET|POST /{tenant}/oauth2/v2.0/authorize`,
 *   `GET /{tenant}/oauth2/v2.0/logout`;
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration`, `GET /common/discovery/instance`,
 *   `GET /{tenant}/discovery/v2.0/keys` (and the v1 `/{tenant}/discovery/keys`);
 * - the control API `/_emulator/tokens/...` ({@link registerTokenControlRoutes}).
 * `{tenant}` is the tenant id, its domain, its short name, or `common`/`organizations`.
 * Form bodies are parsed here (in an encapsulated context), so the host server may treat every
 * other body as a raw stream. Token responses carry `Cache-Control: no-store` as Entra's do.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { randomUUID } from "node:crypto";
import { authorizeGet, authorizePost, type AuthorizeOutcome } from "./authorize-endpoint.js";
import { instanceDiscovery, openIdConfiguration, tenantJwks } from "./discovery.js";
import type { EntraContext } from "./entra-context.js";
import { EntraError, entraErrorBody } from "./entra-error.js";
import { registerTokenControlRoutes } from "./token-control-routes.js";
import { handleTokenRequest, resolveTenantSegment } from "./token-endpoint.js";

export type { EntraContext } from "./entra-context.js";

type TenantParams = { Params: { tenant: string } };

const FORM = "application/x-www-form-urlencoded";

export function registerEntraRoutes(app: FastifyInstance, ctx: EntraContext): void {
  const origin = (req: FastifyRequest): string =>
    ctx.publicOrigin?.of(req) ?? (ctx.baseUrl || `https://${req.headers.host ?? "127.0.0.1"}`);

  const sendError = (req: FastifyRequest, reply: FastifyReply, err: EntraError): FastifyReply => {
    ctx.stats.errors[String(err.code)] = (ctx.stats.errors[String(err.code)] ?? 0) + 1;
    const cid = req.headers["client-request-id"];
    req.log.info({ aadsts: err.code, error: err.error }, "entra error");
    return reply
      .code(err.status)
      .headers({ "cache-control": "no-store, no-cache", pragma: "no-cache" })
      .type("application/json; charset=utf-8")
      .send(entraErrorBody(err, origin(req), typeof cid === "string" ? cid : randomUUID()));
  };

  const sendAuthorize = (reply: FastifyReply, out: AuthorizeOutcome): FastifyReply =>
    out.kind === "redirect"
      ? reply.code(302).header("location", out.location).header("cache-control", "no-store, no-cache").send()
      : reply
          .code(out.status)
          .type("text/html; charset=utf-8")
          .header("cache-control", "no-store, no-cache")
          .send(out.html);

  void app.register(async (inst) => {
    if (inst.hasContentTypeParser(FORM)) inst.removeContentTypeParser(FORM);
    inst.addContentTypeParser(FORM, { parseAs: "string", bodyLimit: 1024 * 1024 }, (_req, body, done) => {
      const out: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(body as string)) if (!(k in out)) out[k] = v;
      done(null, out);
    });
    if (inst.hasContentTypeParser("application/json")) inst.removeContentTypeParser("application/json");
    inst.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: 64 * 1024 }, (_req, body, done) => {
      try {
        done(null, (body as string).trim() ? JSON.parse(body as string) : {});
      } catch (e) {
        done(Object.assign(e as Error, { statusCode: 400 }), undefined);
      }
    });

    if (!inst.hasContentTypeParser("*")) {
      inst.addContentTypeParser("*", { parseAs: "string", bodyLimit: 1024 * 1024 }, (_req, _body, done) =>
        done(null, undefined),
      );
    }

    inst.post<TenantParams & { Body: Record<string, string> | undefined }>(
      "/:tenant/oauth2/v2.0/token",
      async (req, reply) => {
        const form = isForm(req) && req.body && typeof req.body === "object" ? req.body : {};
        try {
          const body = handleTokenRequest(ctx, origin(req), req.params.tenant, form, req.headers.authorization);
          return reply
            .headers({ "cache-control": "no-store, no-cache", pragma: "no-cache" })
            .type("application/json; charset=utf-8")
            .send(body);
        } catch (e) {
          if (e instanceof EntraError) return sendError(req, reply, e);
          throw e;
        }
      },
    );

    inst.get<TenantParams & { Querystring: Record<string, string | string[]> }>(
      "/:tenant/oauth2/v2.0/authorize",
      async (req, reply) =>
        sendAuthorize(reply, authorizeGet(ctx, origin(req), req.params.tenant, firstValues(req.query))),
    );
    inst.post<TenantParams & { Body: Record<string, string> | undefined }>(
      "/:tenant/oauth2/v2.0/authorize",
      async (req, reply) =>
        sendAuthorize(
          reply,
          authorizePost(ctx, origin(req), req.params.tenant, isForm(req) && req.body ? req.body : {}),
        ),
    );
    inst.get<TenantParams & { Querystring: Record<string, string | string[]> }>(
      "/:tenant/oauth2/v2.0/logout",
      async (req, reply) => {
        const back = firstValues(req.query).post_logout_redirect_uri;
        if (back && /^https?:\/\//.test(back)) return reply.code(302).header("location", back).send();
        return reply
          .type("text/html; charset=utf-8")
          .send("<!DOCTYPE html><html><body><p>You signed out of your account.</p></body></html>");
      },
    );

    const openid = async (req: FastifyRequest<TenantParams>, reply: FastifyReply) => {
      try {
        const tenant = resolveTenantSegment(ctx, req.params.tenant);
        return reply.send(openIdConfiguration(origin(req), tenant, req.params.tenant));
      } catch (e) {
        if (e instanceof EntraError) return sendError(req, reply, e);
        throw e;
      }
    };
    inst.get<TenantParams>("/:tenant/v2.0/.well-known/openid-configuration", openid);

    inst.get("/common/discovery/instance", async (req) => instanceDiscovery(origin(req)));

    const keys = async (req: FastifyRequest<TenantParams>, reply: FastifyReply) => {
      try {
        return reply.send(tenantJwks(ctx, origin(req), resolveTenantSegment(ctx, req.params.tenant)));
      } catch (e) {
        if (e instanceof EntraError) return sendError(req, reply, e);
        throw e;
      }
    };
    inst.get<TenantParams>("/:tenant/discovery/v2.0/keys", keys);
    inst.get<TenantParams>("/:tenant/discovery/keys", keys);

    registerTokenControlRoutes(inst, ctx);
  });
}

/** A repeated query parameter counts once (its first value), as in the form parser. */
function firstValues(query: Record<string, string | string[]> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query ?? {})) out[k] = Array.isArray(v) ? (v[0] ?? "") : String(v);
  return out;
}

function isForm(req: FastifyRequest): boolean {
  return (req.headers["content-type"] ?? "").toLowerCase().startsWith(FORM);
}

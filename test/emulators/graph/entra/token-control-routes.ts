/**
 * The control API of the emulated Entra ID, for tests and demos (no authentication):
 * - `POST /_emulator/tokens/revoke` `{user?, app_id?, tenant?, refresh_token?}` (filters ANDed,
 *   none = all) revokes the matching refresh-token sessions → `{revoked}`; access tokens already
 *   issued stay valid until they expire, as on the real service;
 * - `GET|POST /_emulator/tokens/lifetime` `{access_token_seconds?, refresh_token_seconds?}`
 *   (positive integers, else 400) for tokens issued from now on;
 * - `POST /_emulator/tokens/site-grants` `{tenant?, app_id, site, roles}` sets an app's
 *   Sites.Selected grant on a site (what Graph's `POST /sites/{id}/permissions` does;
 *   `roles: []` removes it);
 * - `POST /_emulator/tokens/app-secrets` `{tenant?, app_id, secrets: [value…]}` replaces an app's client
 *   secrets (what removing a secret and adding a new one in the portal does; `[]` revokes them all);
 * - `GET /_emulator/tokens/stats`: tokens issued per grant type and errors per AADSTS code.
 * Bodies are JSON, parsed by the caller's encapsulated context; errors use Graph's envelope.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { SiteGrant } from "../directory/directory.js";
import type { EntraContext } from "./entra-context.js";

export function registerTokenControlRoutes(inst: FastifyInstance, ctx: EntraContext): void {
  inst.post<{ Body: { user?: string; app_id?: string; tenant?: string; refresh_token?: string } | undefined }>(
    "/_emulator/tokens/revoke",
    async (req, reply) => {
      const b = req.body ?? {};
      const tenant = b.tenant ? ctx.directory.findTenant(b.tenant) : undefined;
      if (b.tenant && !tenant)
        return reply.code(404).send({ error: { code: "itemNotFound", message: `No tenant ${b.tenant}` } });
      let userId: string | undefined;
      if (b.user) {
        const user = tenant ? ctx.directory.findUser(tenant.id, b.user) : ctx.directory.findUserAnyTenant(b.user);
        if (!user) return reply.code(404).send({ error: { code: "itemNotFound", message: `No user ${b.user}` } });
        userId = user.id;
      }
      const revoked = ctx.directory.grants.revoke({
        tenantId: tenant?.id,
        userId,
        appId: b.app_id?.toLowerCase(),
        refreshToken: b.refresh_token,
      });
      return { revoked };
    },
  );

  const lifetime = () => ({
    access_token_seconds: ctx.tokenLifetimeSec,
    refresh_token_seconds: ctx.directory.grants.refreshTokenLifetimeSec,
  });
  inst.get("/_emulator/tokens/lifetime", async () => lifetime());
  inst.post<{ Body: { access_token_seconds?: unknown; refresh_token_seconds?: unknown } | undefined }>(
    "/_emulator/tokens/lifetime",
    async (req, reply) => {
      const b = req.body ?? {};
      for (const [k, v] of Object.entries(b)) {
        if (
          (k === "access_token_seconds" || k === "refresh_token_seconds") &&
          !(Number.isInteger(v) && (v as number) > 0)
        ) {
          return reply
            .code(400)
            .send({ error: { code: "invalidRequest", message: `${k} must be a positive integer` } });
        }
      }
      if (typeof b.access_token_seconds === "number") ctx.tokenLifetimeSec = b.access_token_seconds;
      if (typeof b.refresh_token_seconds === "number")
        ctx.directory.grants.refreshTokenLifetimeSec = b.refresh_token_seconds;
      return lifetime();
    },
  );
  inst.post<{ Body: { tenant?: string; app_id?: string; site?: string; roles?: unknown } | undefined }>(
    "/_emulator/tokens/site-grants",
    async (req, reply) => {
      const b = req.body ?? {};
      const tenant = b.tenant ? ctx.directory.findTenant(b.tenant) : ctx.directory.tenants[0];
      const roles = Array.isArray(b.roles) ? b.roles : undefined;
      if (
        !tenant ||
        !b.app_id ||
        !b.site ||
        !roles ||
        !roles.every((r) => ["read", "write", "owner", "fullcontrol"].includes(r as string))
      ) {
        return reply.code(400).send({
          error: {
            code: "invalidRequest",
            message: "body must be {tenant?, app_id, site, roles: [read|write|owner|fullcontrol]}",
          },
        });
      }
      if (!ctx.directory.setSiteGrant(tenant.id, b.app_id, b.site, roles as SiteGrant["roles"])) {
        return reply
          .code(404)
          .send({ error: { code: "itemNotFound", message: `No app ${b.app_id} in ${tenant.name}` } });
      }
      return { app_id: b.app_id.toLowerCase(), site_grants: ctx.directory.findApp(tenant.id, b.app_id)!.siteGrants };
    },
  );
  inst.post<{ Body: { tenant?: string; app_id?: string; secrets?: unknown } | undefined }>(
    "/_emulator/tokens/app-secrets",
    async (req, reply) => {
      const b = req.body ?? {};
      const tenant = b.tenant ? ctx.directory.findTenant(b.tenant) : ctx.directory.tenants[0];
      const secrets = Array.isArray(b.secrets) ? b.secrets : undefined;
      if (!tenant || !b.app_id || !secrets || !secrets.every((v) => typeof v === "string" && v !== "")) {
        return reply
          .code(400)
          .send({ error: { code: "invalidRequest", message: "body must be {tenant?, app_id, secrets: [string]}" } });
      }
      const app = ctx.directory.findApp(tenant.id, b.app_id);
      if (!app)
        return reply
          .code(404)
          .send({ error: { code: "itemNotFound", message: `No app ${b.app_id} in ${tenant.name}` } });
      app.secrets = (secrets as string[]).map((value) => ({
        keyId: randomUUID(),
        value,
        displayName: null,
        endDateTime: null,
      }));
      return { app_id: app.appId, secrets: app.secrets.length };
    },
  );
  inst.get("/_emulator/tokens/stats", async () => ({
    issued: { ...ctx.stats.issued },
    errors: { ...ctx.stats.errors },
  }));
}

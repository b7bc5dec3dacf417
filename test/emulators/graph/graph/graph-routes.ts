import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Readable } from "node:stream";
import type { Actor, DriveRecord } from "../content/drive-model.js";
import { verifyAccessToken, type TokenPrincipal } from "../entra/access-token.js";
import { createUploadSession, downloadRedirect, simpleUpload } from "./content-handlers.js";
import { delta } from "./delta-handler.js";
import { directory } from "./directory-handlers.js";
import { GraphError, invalidRequest } from "./graph-error.js";
import type { GraphCall, GraphEnv, GraphResult } from "./graph-env.js";
import { parseGraphPath, type GraphTarget } from "./graph-path.js";
import { createChild, deleteItem, getItem, listChildren, patchItem } from "./item-handlers.js";
import { driveJson } from "./item-json.js";
import { getListItem, patchFields } from "./listitem-handlers.js";
import { checkin, checkout, getPermission, listPermissions } from "./permission-handlers.js";
import { readJsonBody } from "./read-json.js";
import {
  getSite,
  listSiteDrives,
  listSiteLists,
  requireSite,
  resolveSite,
  searchSites,
  siteList,
} from "./site-handlers.js";
import { getVersion, listVersions, versionContent } from "./version-handlers.js";

/** Route template of a Graph request (for counters and fault rules), set once parsed. */
export const graphTemplates = new WeakMap<FastifyRequest, string>();

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * Mounts Graph v1.0 under `/v1.0/*`. Graph's colon-addressed paths do not fit a route table, so
 * one wildcard route parses the path ({@link parseGraphPath}) and dispatches. Every call needs a
 * bearer token that graph-entra's `verifyAccessToken` accepts (401 `InvalidAuthenticationToken`
 * otherwise); site and drive calls need `siteAccess` read, writes need write (403
 * `accessDenied`). Bodies are never parsed by Fastify here: uploads stream straight to disk.
 */
export function registerGraphRoutes(app: FastifyInstance, env: GraphEnv): void {
  void app.register(async (inst) => {
    inst.removeAllContentTypeParsers();
    inst.addContentTypeParser("*", (_req, payload, done) => done(null, payload));
    inst.route({
      method: [...METHODS],
      url: "/v1.0/*",
      handler: async (req, reply) => {
        const url = new URL(req.url, env.baseUrl() || "https://127.0.0.1");
        const { target, template } = parseGraphPath(url.pathname.slice("/v1.0".length));
        graphTemplates.set(req, template);
        const principal = authenticate(env, req);
        const query: Record<string, string> = {};
        for (const [k, v] of url.searchParams) query[k] = v;
        const body = (req.body as Readable | undefined) ?? (req.raw as unknown as Readable);
        const call: GraphCall = {
          method: req.method,
          principal,
          actor: actorOf(env, principal),
          query,
          headers: req.headers,
          body: body as GraphCall["body"],
          json: () => readJsonBody(body),
        };
        const result = await dispatch(env, call, target, url);
        send(reply, result);
      },
    });
  });
}

function send(reply: FastifyReply, result: GraphResult): void {
  reply.code(result.status);
  for (const [k, v] of Object.entries(result.headers ?? {})) reply.header(k, v);
  if (result.body === undefined) {
    void reply.send();
  } else {
    void reply
      .type("application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
      .send(JSON.stringify(result.body));
  }
}

function authenticate(env: GraphEnv, req: FastifyRequest): TokenPrincipal {
  const auth = req.headers.authorization;
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1];
  if (!bearer) throw new GraphError(401, "InvalidAuthenticationToken", "Access token is empty.");
  try {
    return verifyAccessToken(env.entra, bearer.trim());
  } catch (err) {
    const e = err as { status?: number; code?: string; message?: string; headers?: Record<string, string> };
    throw new GraphError(
      401,
      "InvalidAuthenticationToken",
      e.message ?? "Access token validation failure.",
      undefined,
      e.headers,
    );
  }
}

function actorOf(env: GraphEnv, p: TokenPrincipal): Actor {
  if (p.kind === "delegated" && p.userId) {
    const u = env.entra.directory.findUser(p.tenantId, p.userId);
    return { kind: "user", id: p.userId, displayName: u?.displayName ?? p.userId, email: u?.mail };
  }
  const app = env.entra.directory.findApp(p.tenantId, p.appId);
  return { kind: "application", id: p.appId, displayName: app?.displayName ?? p.appId };
}

function driveOf(
  env: GraphEnv,
  call: GraphCall,
  ref: { id: string } | { site: import("./graph-path.js").SiteRef },
): DriveRecord {
  const drive = "id" in ref ? env.store.getDrive(ref.id) : resolveSite(env, ref.site).drives[0];
  if (!drive) throw new GraphError(404, "itemNotFound", "The site has no document library.");
  requireSite(env, call, env.store.siteOf(drive), call.method === "GET" ? "read" : "write");
  return drive;
}

async function dispatch(env: GraphEnv, call: GraphCall, target: GraphTarget, url: URL): Promise<GraphResult> {
  const m = call.method;
  const notAllowed = (): never => {
    throw new GraphError(405, "invalidRequest", `The HTTP method '${m}' is not allowed for this resource.`);
  };
  switch (target.kind) {
    case "users":
    case "groups":
      return m === "GET" ? directory(env, call, target.kind, target.id) : notAllowed();
    case "sites":
      return m === "GET" ? searchSites(env, call) : notAllowed();
    case "site":
      return m === "GET" ? getSite(env, call, target.site) : notAllowed();
    case "site-drives":
      return m === "GET" ? listSiteDrives(env, call, target.site) : notAllowed();
    case "site-lists":
      return m === "GET" ? listSiteLists(env, call, target.site) : notAllowed();
    case "site-list":
      return m === "GET" ? siteList(env, call, target.site, target.listId, target.sub) : notAllowed();
    case "drive": {
      if (m !== "GET") notAllowed();
      return { status: 200, body: driveJson(env.json, driveOf(env, call, target.drive)) };
    }
    case "item": {
      const drive = driveOf(env, call, target.drive);
      const [a0, a1, a2] = target.action;
      const addr = target.item;
      const key = `${m} ${target.action.length ? a0 : ""}${a2 !== undefined ? "/x/" + a2 : a1 !== undefined && a0 !== "delta" ? "/x" : ""}`;
      switch (key) {
        case "GET ":
          return getItem(env, call, drive, addr);
        case "PATCH ":
          return patchItem(env, call, drive, addr);
        case "DELETE ":
          return deleteItem(env, call, drive, addr);
        case "GET children":
          return listChildren(env, call, drive, addr, url);
        case "POST children":
          return createChild(env, call, drive, addr);
        case "GET content":
          return downloadRedirect(env, call, drive, addr);
        case "PUT content":
          return simpleUpload(env, call, drive, addr);
        case "POST createUploadSession":
          return createUploadSession(env, call, drive, addr);
        case "GET delta":
          return delta(env, call, drive, addr, a1, url);
        case "GET versions":
          return listVersions(env, drive, addr);
        case "GET versions/x":
          return getVersion(env, drive, addr, a1);
        case "GET versions/x/content":
          return versionContent(env, drive, addr, a1);
        case "GET listItem":
          return getListItem(env, call, drive, addr, false);
        case "GET listItem/x":
          if (a1 !== "fields") break;
          return getListItem(env, call, drive, addr, true);
        case "PATCH listItem/x":
          if (a1 !== "fields") break;
          return patchFields(env, call, drive, addr);
        case "GET permissions":
          return listPermissions(env, drive, addr);
        case "GET permissions/x":
          return getPermission(env, drive, addr, a1);
        case "POST checkout":
          return checkout(env, call, drive, addr);
        case "POST checkin":
          return checkin(env, call, drive, addr);
      }
      throw invalidRequest(`Unsupported request: ${m} ${url.pathname}`);
    }
  }
}

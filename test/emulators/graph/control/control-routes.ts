import type { FastifyInstance } from "fastify";
import type { DriveRecord, ItemRecord } from "../content/drive-model.js";
import { normalizeExtension } from "../content/property-promotion.js";
import { resolveGrant, userActor, type GrantSpec } from "../content/grantees.js";
import { SYSTEM_ACTOR } from "../content/content-store.js";
import { GraphError, invalidRequest } from "../graph/graph-error.js";
import type { GraphEnv } from "../graph/graph-env.js";
import { itemJson } from "../graph/item-json.js";
import type { FaultRuleInput, FaultRules } from "./fault-rules.js";
import type { RequestCounters } from "./request-counters.js";

export interface ControlDeps {
  env: GraphEnv;
  faults: FaultRules;
  counters: RequestCounters;
  info: () => unknown;
}

type Body = Record<string, unknown> & { driveId?: string; path?: string; user?: string };

/**
 * The unauthenticated `/_emulator/...` control API (documented in the README): content changes
 * made "as a SharePoint user" (they go through the same store, so eTags, versions and delta
 * behave as for Graph writes), fault rules, delta token expiry, upload session expiry, limits
 * and request counters. Errors use Graph's envelope.
 */
export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const { env } = deps;
  const driveOf = (b: Body): DriveRecord => {
    if (b.driveId) return env.store.getDrive(b.driveId);
    const first = env.store.sites[0]?.drives[0];
    if (!first) throw new GraphError(404, "itemNotFound", "No drive");
    return first;
  };
  const actorOf = (drive: DriveRecord, b: Body) =>
    userActor(env.entra.directory, env.store.siteOf(drive).tenantId, b.user, SYSTEM_ACTOR);
  const pathOf = (b: Body): string => {
    if (typeof b.path !== "string") throw invalidRequest("path is required");
    return b.path;
  };
  const itemAt = (drive: DriveRecord, b: Body): ItemRecord =>
    env.store.resolvePath(drive, env.store.root(drive), pathOf(b));
  const ensureFolder = (drive: DriveRecord, path: string, b: Body): ItemRecord => {
    let cur = env.store.root(drive);
    for (const part of path.split("/").filter(Boolean)) {
      cur = env.store.childByName(drive, cur, part) ?? env.store.createFolder(drive, cur, part, actorOf(drive, b));
    }
    return cur;
  };
  const split = (path: string): { dir: string; name: string } => {
    const parts = path.split("/").filter(Boolean);
    const name = parts.pop();
    if (!name) throw invalidRequest("path must name an item");
    return { dir: parts.join("/"), name };
  };
  const json = (drive: DriveRecord, item: ItemRecord) => itemJson(env.json, drive, item);

  void app.register(async (inst) => {
    inst.get("/_emulator/info", async () => deps.info());

    inst.post<{ Body: Body }>("/_emulator/content/folders", async (req) => {
      const b = req.body ?? {};
      const drive = driveOf(b);
      return json(drive, ensureFolder(drive, pathOf(b), b));
    });

    inst.post<{ Body: Body & { content?: string; contentBase64?: string; size?: number } }>(
      "/_emulator/content/files",
      async (req, reply) => {
        const b = req.body ?? {};
        const drive = driveOf(b);
        const { dir, name } = split(pathOf(b));
        const data =
          b.contentBase64 !== undefined
            ? Buffer.from(b.contentBase64, "base64")
            : b.content !== undefined
              ? Buffer.from(b.content)
              : Buffer.alloc(Number(b.size ?? 0), 0x61);
        const blob = await env.store.blobs.fromBuffer(data);
        const parent = ensureFolder(drive, dir, b);
        const { item, created } = env.store.writeFile(drive, parent, name, blob, actorOf(drive, b));
        return reply.code(created ? 201 : 200).send(json(drive, item));
      },
    );

    inst.post<{ Body: Body & { count?: number; prefix?: string } }>("/_emulator/content/seed", async (req) => {
      const b = req.body ?? {};
      const drive = driveOf(b);
      const count = Number(b.count ?? 0);
      if (!Number.isInteger(count) || count < 1 || count > 100000) throw invalidRequest("count must be 1..100000");
      const parent = ensureFolder(drive, typeof b.path === "string" ? b.path : "", b);
      const blob = await env.store.blobs.fromBuffer(Buffer.from("seed\n"));
      const prefix = typeof b.prefix === "string" ? b.prefix : "file-";
      const actor = actorOf(drive, b);
      for (let i = 0; i < count; i++) {
        env.store.writeFile(drive, parent, `${prefix}${String(i).padStart(6, "0")}.txt`, blob, actor);
      }
      return { created: count };
    });

    inst.post<{ Body: Body }>("/_emulator/content/delete", async (req, reply) => {
      const b = req.body ?? {};
      const drive = driveOf(b);
      env.store.deleteItem(drive, itemAt(drive, b), actorOf(drive, b));
      return reply.code(204).send();
    });

    inst.post<{ Body: Body & { to?: string } }>("/_emulator/content/move", async (req) => {
      const b = req.body ?? {};
      const drive = driveOf(b);
      if (typeof b.to !== "string") throw invalidRequest("to is required");
      const item = itemAt(drive, b);
      const { dir, name } = split(b.to);
      const parent = ensureFolder(drive, dir, b);
      env.store.moveItem(drive, item, { name, parentId: parent.id }, actorOf(drive, b));
      return json(drive, item);
    });

    inst.post<{ Body: Body }>("/_emulator/content/checkout", async (req, reply) => {
      const b = req.body ?? {};
      const drive = driveOf(b);
      env.store.checkout(drive, itemAt(drive, b), actorOf(drive, b));
      return reply.code(204).send();
    });

    inst.post<{ Body: Body & { comment?: string } }>("/_emulator/content/checkin", async (req, reply) => {
      const b = req.body ?? {};
      const drive = driveOf(b);
      const item = itemAt(drive, b);
      // A site owner can check in on behalf of whoever holds the file; without `user` do that.
      const actor = b.user ? actorOf(drive, b) : (item.checkout ?? SYSTEM_ACTOR);
      env.store.checkin(drive, item, actor, b.comment);
      return reply.code(204).send();
    });

    inst.post<{ Body: Body & { fields?: Record<string, unknown> } }>("/_emulator/content/fields", async (req) => {
      const b = req.body ?? {};
      const drive = driveOf(b);
      const item = itemAt(drive, b);
      env.store.setFields(drive, item, b.fields ?? {}, actorOf(drive, b));
      return json(drive, item);
    });

    inst.post<{ Body: Body & { inherit?: boolean; grants?: GrantSpec[] } }>(
      "/_emulator/content/permissions",
      async (req) => {
        const b = req.body ?? {};
        const drive = driveOf(b);
        const item = itemAt(drive, b);
        const tenantId = env.store.siteOf(drive).tenantId;
        const perms = b.inherit
          ? null
          : (b.grants ?? []).map((g) => resolveGrant(env.store, env.entra.directory, tenantId, g));
        env.store.setUniquePermissions(drive, item, perms);
        return json(drive, item);
      },
    );

    inst.post<{ Body: Body }>("/_emulator/delta/expire", async (req) => {
      const b = req.body ?? {};
      const drives = b.driveId ? [env.store.getDrive(b.driveId)] : [...env.store.drives.values()];
      for (const d of drives) env.delta.expireTokens(d);
      return { expired: drives.map((d) => d.id) };
    });

    inst.post("/_emulator/upload-sessions/expire", async () => ({ expired: env.uploads.expireAll() }));

    inst.post<{ Body: { simpleUploadMax?: number; deltaPageSize?: number; childrenPageSize?: number } }>(
      "/_emulator/limits",
      async (req) => {
        const b = req.body ?? {};
        for (const k of ["simpleUploadMax", "deltaPageSize", "childrenPageSize"] as const) {
          if (b[k] !== undefined) {
            if (!Number.isInteger(b[k]) || b[k]! < 1) throw invalidRequest(`${k} must be a positive integer`);
            env.limits[k] = b[k]!;
          }
        }
        return env.limits;
      },
    );

    inst.post<{ Body: { extensions?: unknown } }>("/_emulator/rewrite-on-upload", async (req) => {
      const list = req.body?.extensions;
      if (!Array.isArray(list))
        throw invalidRequest('extensions must be an array such as [".docx", ".pdf"] ([] turns rewriting off)');
      try {
        env.rewriteOnUpload.extensions = list.map(normalizeExtension);
      } catch (err) {
        throw invalidRequest((err as Error).message);
      }
      return env.rewriteOnUpload;
    });

    inst.post<{ Body: FaultRuleInput }>("/_emulator/faults", async (req, reply) =>
      reply.code(201).send(deps.faults.add(req.body ?? ({} as FaultRuleInput))),
    );
    inst.get("/_emulator/faults", async () => ({ value: deps.faults.list() }));
    inst.delete("/_emulator/faults", async (_req, reply) => {
      deps.faults.clear();
      return reply.code(204).send();
    });
    inst.delete<{ Params: { id: string } }>("/_emulator/faults/:id", async (req, reply) => {
      deps.faults.clear(req.params.id);
      return reply.code(204).send();
    });

    inst.get("/_emulator/counters", async () => deps.counters.snapshot());
    inst.delete("/_emulator/counters", async (_req, reply) => {
      deps.counters.reset();
      return reply.code(204).send();
    });
  });
}

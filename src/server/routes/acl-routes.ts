import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { Ace, AclView, JSON_BODY, PathQuery, errors, ref } from "../schemas.js";

const ShareParams = Type.Object({ share_id: Type.String() });

/**
 * ACL of one node: read with READ, replace with MANAGE_PERMISSIONS; below a mount point, refused (the mount point's ACL
 * applies).
 */
export const aclRoutes: RouteModule = (app, ctx) => {
  app.get(
    "/api/v1/shares/:share_id/acl",
    {
      schema: {
        tags: ["acl"],
        summary: "The node's own ACEs, inheritance flag and inherited ACEs",
        params: ShareParams,
        querystring: PathQuery,
        response: { 200: ref(AclView), ...errors(400, 401, 404) },
      },
    },
    async (req) => ctx.files.getAcl(req.params.share_id, req.query.path, await requireUser(req)),
  );

  app.put(
    "/api/v1/shares/:share_id/acl",
    {
      schema: {
        tags: ["acl"],
        summary: "Replace the node's ACEs; inherit:false breaks inheritance from the parent",
        params: ShareParams,
        querystring: PathQuery,
        body: Type.Object({ aces: Type.Array(Ace, { maxItems: 1000 }), inherit: Type.Boolean({ default: true }) }),
        response: { 200: ref(AclView), ...errors(JSON_BODY, 401, 403, 404) },
      },
    },
    async (req) => ctx.files.setAcl(req.params.share_id, req.query.path, req.body, await requireUser(req)),
  );
};

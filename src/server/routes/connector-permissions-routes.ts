/**
 * `GET /api/v1/connectors/permissions`: whether the caller may create connectors on this server
 * (SCAIDRIVE_CONNECTOR_CREATORS), so the web client offers "Add connection" only to those the API
 * lets create. Creating still needs MANAGE_PERMISSIONS on the chosen target share.
 */
import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { errors } from "../schemas.js";

export const connectorPermissionsRoutes: RouteModule = (app, ctx) => {
  app.get(
    "/api/v1/connectors/permissions",
    {
      schema: {
        tags: ["connectors"],
        summary: "Whether the caller may create connectors",
        description:
          "`can_create`: administrators always; everyone when SCAIDRIVE_CONNECTOR_CREATORS=share-managers " +
          "(creating then needs MANAGE_PERMISSIONS on the target share). `creators` is the setting.",
        response: {
          200: Type.Object({
            can_create: Type.Boolean(),
            creators: Type.Union([Type.Literal("admins"), Type.Literal("share-managers")]),
          }),
          ...errors(401),
        },
      },
    },
    async (req) => {
      const actor = await requireUser(req);
      const creators = ctx.config.connectorCreators;
      return { can_create: actor.isAdmin || creators === "share-managers", creators };
    },
  );
};

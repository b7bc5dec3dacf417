import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";

/** GET /api/v1/health: no auth; 200 when the database answers. */
export const healthRoutes: RouteModule = (app, ctx) => {
  app.get(
    "/api/v1/health",
    {
      config: { public: true },
      schema: {
        tags: ["health"],
        summary: "Liveness and database reachability (no auth)",
        security: [],
        response: {
          200: Type.Object({
            status: Type.Literal("ok"),
            version: Type.String(),
            database: Type.String(),
            node_id: Type.String({ description: "this process's node id (random per start)" }),
            role: Type.String({ description: "all | api | worker (SCAIDRIVE_ROLE)" }),
          }),
        },
      },
    },
    async () => {
      await ctx.ping();
      return {
        status: "ok" as const,
        version: process.env.npm_package_version ?? "0.1.0",
        database: ctx.dialect,
        node_id: ctx.nodeId,
        role: ctx.config.role,
      };
    },
  );
};

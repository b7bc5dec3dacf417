/**
 * `GET /api/v1/alerts` (admins; newest first, paginated; `?open=true` keeps unresolved ones) and
 * `POST /api/v1/alerts/{id}/resolve` (admins; idempotent). Alerts are raised by features (e.g. a
 * SharePoint connector disabled after an auth failure) and resolved by them when the cause is
 * fixed, or by an admin here.
 */
import { Type } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireAdmin } from "../auth.js";
import { errors, ref } from "../schemas.js";
import type { AlertRecord } from "../../core/alert-service.js";
import { clampLimit, decodeCursor, encodeCursor } from "../../core/pagination.js";

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);
const Alert = Type.Object(
  {
    id: Type.String({ description: "alr_ id" }),
    kind: Type.String({ description: "what happened, e.g. connector_auth_failed" }),
    connector_id: Nullable(Type.String()),
    message: Type.String(),
    created_at: Type.String({ format: "date-time" }),
    resolved_at: Nullable(Type.String({ format: "date-time" })),
  },
  { $id: "Alert" },
);

const view = (a: AlertRecord) => ({
  id: a.id,
  kind: a.kind,
  connector_id: a.connector_id,
  message: a.message,
  created_at: a.created_at,
  resolved_at: a.resolved_at,
});

export const alertRoutes: RouteModule = (app, ctx) => {
  const { alerts } = ctx;

  app.get(
    "/api/v1/alerts",
    {
      schema: {
        tags: ["alerts"],
        summary: "Alerts for administrators, newest first",
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "page size (default 100)" })),
          cursor: Type.Optional(Type.String({ description: "next_cursor of the previous page" })),
          open: Type.Optional(Type.Boolean({ description: "true: only unresolved alerts" })),
          connector_id: Type.Optional(Type.String({ description: "only alerts about this connector" })),
        }),
        response: {
          200: Type.Object({ items: Type.Array(ref(Alert)), next_cursor: Nullable(Type.String()) }),
          ...errors(400, 401, 403),
        },
      },
    },
    async (req) => {
      await requireAdmin(req);
      const limit = clampLimit(req.query.limit);
      const before = decodeCursor(req.query.cursor, ["before"])?.before;
      const rows = await alerts.list({
        beforeId: before,
        limit: limit + 1,
        open: req.query.open,
        connectorId: req.query.connector_id,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map(view),
        next_cursor: rows.length > limit ? encodeCursor({ before: page[page.length - 1]!.id }) : null,
      };
    },
  );

  app.post(
    "/api/v1/alerts/:id/resolve",
    {
      schema: {
        tags: ["alerts"],
        summary: "Mark an alert resolved (a resolved one is returned unchanged)",
        params: Type.Object({ id: Type.String() }),
        response: { 200: ref(Alert), ...errors(401, 403, 404) },
      },
    },
    async (req) => {
      await requireAdmin(req);
      return view(await alerts.resolve(req.params.id));
    },
  );
};
alertRoutes.sharedSchemas = [Alert];

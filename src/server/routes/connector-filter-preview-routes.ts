/**
 * `POST /api/v1/connectors/filter-preview`: what a connector's filters would do with sample names,
 * decided by the sync engine's own filter (`sync/sync-filter.ts`), so the connection dialog's live
 * preview cannot drift from what a run does. A name with "/" is a path relative to the synced
 * folder; its folders are checked first, as a run walks them (an excluded folder takes its
 * content with it). Matching is case-insensitive, as on SMB and SharePoint. Any signed-in user
 * may ask: it reads nothing but the request.
 */
import { Type, type TSchema } from "typebox";
import type { RouteModule } from "../app-types.js";
import { requireUser } from "../auth.js";
import { AppError } from "../../core/errors.js";
import { JSON_BODY, errors } from "../schemas.js";
import { PatternSet } from "../../connectors/connector-fields.js";
import { SubtreeFilter, SyncFilter, type FilterConfig } from "../../sync/sync-filter.js";

/**
 * Bounds on what one preview may cost: a glob match costs up to (pattern length × path length), so
 * the names and the patterns' total length are capped well below what a sync's per-entry bounds
 * allow (any signed-in user may ask for a preview).
 */
const MAX_NAMES = 20;
const MAX_PATTERN_CHARS = 8192;

const nullablePatterns = (description: string): TSchema =>
  Type.Unsafe<Record<string, unknown>>({ ...PatternSet, nullable: true, description }) as unknown as TSchema;

const Body = Type.Object(
  {
    include_patterns: Type.Optional(nullablePatterns("as on a connector: files must match one of these")),
    exclude_patterns: Type.Optional(nullablePatterns("as on a connector: files and folders matching are skipped")),
    sync_hidden_files: Type.Optional(Type.Boolean()),
    sync_system_files: Type.Optional(Type.Boolean()),
    names: Type.Array(Type.String({ minLength: 1, maxLength: 400 }), {
      minItems: 1,
      maxItems: MAX_NAMES,
      description: 'file names or relative paths ("Reports/2026/q1.pdf"); a trailing "/" makes it a folder',
    }),
    hidden: Type.Optional(Type.Boolean({ description: "treat the samples as hidden entries" })),
    system: Type.Optional(Type.Boolean({ description: "treat the samples as system entries" })),
  },
  { additionalProperties: false },
);

const Verdict = Type.Object({
  name: Type.String(),
  included: Type.Boolean(),
  reason: Type.Union([
    Type.Literal("included"),
    Type.Literal("hidden"),
    Type.Literal("system"),
    Type.Literal("excluded"),
    Type.Literal("not_included"),
    Type.Literal("inside_skipped_folder"),
  ]),
  message: Type.String({ description: "the verdict in words" }),
});

type Reason = "included" | "hidden" | "system" | "excluded" | "not_included" | "inside_skipped_folder";

function message(reason: Reason, folder: string | null): string {
  switch (reason) {
    case "included":
      return "would be synced";
    case "hidden":
      return "skipped: hidden entries are not synced";
    case "system":
      return "skipped: system entries are not synced";
    case "excluded":
      return "skipped: it matches an exclude pattern or extension";
    case "not_included":
      return "skipped: it matches no include pattern or extension";
    case "inside_skipped_folder":
      return `skipped: its folder ${folder ?? ""} is skipped`.replace(/\s+$/, "");
  }
}

type PreviewBody = FilterConfig & { names: string[]; hidden?: boolean; system?: boolean };

/** The verdict of each sample name, in order. */
export function previewFilter(
  body: PreviewBody,
): Array<{ name: string; included: boolean; reason: Reason; message: string }> {
  const filter = new SyncFilter(body, { caseInsensitive: true });
  return body.names.map((name) => {
    const folder = name.endsWith("/");
    const segs = name.split(/[\\/]+/).filter((s) => s !== "");
    const path = segs.join("/");
    const subtree = new SubtreeFilter(filter);
    for (let i = 1; i < segs.length; i++) {
      const parent = segs.slice(0, i).join("/");
      const v = subtree.check({ path: parent, kind: "folder" });
      if (!v.sync) {
        return {
          name,
          included: false,
          reason: "inside_skipped_folder" as const,
          message: message("inside_skipped_folder", parent),
        };
      }
    }
    const v = subtree.check({ path, kind: folder ? "folder" : "file", hidden: body.hidden, system: body.system });
    if (v.sync) return { name, included: true, reason: "included" as const, message: message("included", null) };
    const reason = v.reason === "reparse_point" ? "excluded" : (v.reason as Reason);
    return { name, included: false, reason, message: message(reason, null) };
  });
}

export const connectorFilterPreviewRoutes: RouteModule = (app) => {
  app.post(
    "/api/v1/connectors/filter-preview",
    {
      schema: {
        tags: ["connectors"],
        summary: "What connector filters would do with sample names",
        description:
          "Runs the sync engine's filter over `names` with the given include/exclude patterns and " +
          "hidden/system flags (case-insensitive, as on SMB and SharePoint). A path's folders are " +
          "checked first, as a run walks them. Stores nothing.",
        body: Body,
        response: { 200: Type.Object({ results: Type.Array(Verdict) }), ...errors(JSON_BODY, 401) },
      },
    },
    async (req) => {
      await requireUser(req);
      const body = req.body as PreviewBody;
      const chars = [body.include_patterns, body.exclude_patterns]
        .flatMap((set) => set?.patterns ?? [])
        .reduce((n, p) => n + p.length, 0);
      if (chars > MAX_PATTERN_CHARS)
        throw new AppError(
          "VALIDATION_FAILED",
          `the preview takes patterns of at most ${MAX_PATTERN_CHARS} characters in all (these have ${chars})`,
          { field: "include_patterns" },
        );
      return { results: previewFilter(body) };
    },
  );
};

import { Type, type TSchema } from "typebox";

/** Shared TypeBox schemas: request validation, response serialisation and OpenAPI come from these. */

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "UPPER_SNAKE error code" }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: "ErrorEnvelope", description: "Every error answer (design §5)" },
);

const Id = (prefix: string) =>
  Type.String({ pattern: `^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`, description: `${prefix}_ + ULID` });
export const UserId = Id("usr");
export const GroupId = Id("grp");
export const ShareId = Id("shr");
export const FileId = Id("fil");
export const VersionId = Id("ver");
export const PrincipalId = Type.String({
  pattern: "^(usr|grp)_[0-9A-HJKMNP-TV-Z]{26}$",
  description: "a user or group id",
});
const Timestamp = Type.String({ format: "date-time" });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  is_admin: Type.Boolean(),
  created_at: Timestamp,
});
export const Token = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  name: Type.String(),
  created_at: Timestamp,
  last_used_at: Type.Union([Timestamp, Type.Null()], {
    description: "last request made with it, to the minute; null if never used",
  }),
});
export const Group = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Timestamp,
  member_ids: Type.Array(Type.String()),
});
export const Share = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  created_by: Type.String(),
  created_at: Timestamp,
  root_id: Type.String(),
});
export const Node = Type.Object({
  id: Type.String(),
  share_id: Type.String(),
  path: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal("file"), Type.Literal("folder")]),
  size: Type.Integer(),
  sha256: Nullable(Type.String()),
  current_version_id: Nullable(Type.String()),
  owner_id: Nullable(Type.String()),
  created_at: Timestamp,
  modified_at: Timestamp,
});
export const Version = Type.Object({
  id: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  author_id: Nullable(Type.String()),
  created_at: Timestamp,
});
export const Permission = Type.Union([
  Type.Literal("READ"),
  Type.Literal("WRITE"),
  Type.Literal("DELETE"),
  Type.Literal("MANAGE_PERMISSIONS"),
]);
export const Ace = Type.Object({ principal_id: PrincipalId, permissions: Type.Array(Permission, { maxItems: 4 }) });
export const AclView = Type.Object({
  share_id: Type.String(),
  path: Type.String(),
  node_id: Type.String(),
  inherit: Type.Boolean(),
  aces: Type.Array(Type.Object({ principal_id: Type.String(), permissions: Type.Array(Type.String()) })),
  inherited_aces: Type.Array(
    Type.Object({ principal_id: Type.String(), permissions: Type.Array(Type.String()), from_path: Type.String() }),
  ),
});
export const Metadata = Type.Record(Type.String(), Type.Unknown(), { description: "the file's metadata dict" });

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "page size (default 100)" })),
  cursor: Type.Optional(Type.String({ description: "next_cursor of the previous page" })),
};
export const PathQuery = Type.Object({
  path: Type.String({ minLength: 1, description: "absolute path inside the share, e.g. /dir/a.pdf" }),
});

/** Error answers every route may give, for the OpenAPI document and response serialisation. */
export const errorResponses = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  403: ErrorEnvelope,
  404: ErrorEnvelope,
  409: ErrorEnvelope,
  412: ErrorEnvelope,
  413: ErrorEnvelope,
  415: ErrorEnvelope,
  416: ErrorEnvelope,
  500: ErrorEnvelope,
};

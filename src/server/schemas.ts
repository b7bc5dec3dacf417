import { Type, type Static, type TSchema, type TUnsafe } from "typebox";

/**
 * Shared TypeBox schemas: request validation, response serialisation and OpenAPI come from these.
 *
 * A schema with an `$id` is a *component*: routes refer to it with {@link ref}, it is registered
 * once on the root instance (schema-registry.ts) and the OpenAPI document names it under
 * `#/components/schemas/<$id>` instead of repeating it in every operation. Request schemas stay
 * inline (request validation compiles each route's schema on its own; see validator-compiler.ts).
 */

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "UPPER_SNAKE error code" }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: "ErrorEnvelope", description: "Every error answer: {error: {code, message, details}}" },
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

export const User = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    is_admin: Type.Boolean(),
    created_at: Timestamp,
    disabled: Type.Boolean({ description: "a disabled user cannot sign in and their tokens answer 401" }),
    has_password: Type.Boolean({ description: "whether the user can sign in with a password" }),
  },
  { $id: "User" },
);
/** A browser session as the signed-in page sees it (the session id itself stays in its HttpOnly cookie). */
export const Session = Type.Object(
  {
    user: ref(User),
    csrf_token: Type.String({ description: "send it as X-CSRF-Token on every write made with the session cookie" }),
    expires_at: Type.String({
      format: "date-time",
      description: "the session ends then at the latest (earlier when unused for the idle time)",
    }),
  },
  { $id: "Session" },
);
/** A new password: 8 to 1024 characters. */
export const NewPassword = Type.String({ minLength: 8, maxLength: 1024, description: "8 to 1024 characters" });
export const Token = Type.Object(
  {
    id: Type.String(),
    user_id: Type.String(),
    name: Type.String(),
    created_at: Timestamp,
    last_used_at: Type.Union([Timestamp, Type.Null()], {
      description: "last request made with it, to " + "the minute; null if never used",
    }),
  },
  { $id: "Token" },
);
export const Group = Type.Object(
  { id: Type.String(), name: Type.String(), created_at: Timestamp, member_ids: Type.Array(Type.String()) },
  { $id: "Group" },
);
export const Share = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Nullable(Type.String()),
    created_by: Type.String(),
    created_at: Timestamp,
    root_id: Type.String(),
  },
  { $id: "Share" },
);
export const Node = Type.Object(
  {
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
  },
  { $id: "Node", description: "A file or folder" },
);
export const Version = Type.Object(
  {
    id: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    author_id: Nullable(Type.String()),
    created_at: Timestamp,
  },
  { $id: "Version" },
);
export const Permission = Type.Union([
  Type.Literal("READ"),
  Type.Literal("WRITE"),
  Type.Literal("DELETE"),
  Type.Literal("MANAGE_PERMISSIONS"),
]);
export const Ace = Type.Object({ principal_id: PrincipalId, permissions: Type.Array(Permission, { maxItems: 4 }) });
export const AclView = Type.Object(
  {
    share_id: Type.String(),
    path: Type.String(),
    node_id: Type.String(),
    inherit: Type.Boolean(),
    aces: Type.Array(Type.Object({ principal_id: Type.String(), permissions: Type.Array(Type.String()) })),
    inherited_aces: Type.Array(
      Type.Object({ principal_id: Type.String(), permissions: Type.Array(Type.String()), from_path: Type.String() }),
    ),
  },
  { $id: "AclView" },
);
export const Metadata = Type.Record(Type.String(), Type.Unknown(), { description: "the file's metadata dict" });

/** The components every server has; route modules add their own through `RouteModule.sharedSchemas`. */
export const CORE_SCHEMAS: readonly TSchema[] = [
  ErrorEnvelope,
  User,
  Session,
  Token,
  Group,
  Share,
  Node,
  Version,
  AclView,
];

/**
 * A `$ref` to the component `schema` (which must have an `$id`). Validation and serialisation
 * resolve it against the registered schemas; the static type stays the schema's.
 */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== "string") throw new Error("ref() needs a schema with an $id");
  return Type.Unsafe<Static<T>>({ $ref: `${id}#` });
}

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "page size (default 100)" })),
  cursor: Type.Optional(Type.String({ description: "next_cursor of the previous page" })),
};
export const PathQuery = Type.Object({
  path: Type.String({ minLength: 1, description: "absolute path inside the " + "share, e.g. /dir/a.pdf" }),
});
/** `disposition` of content downloads: `inline` shows listed types in the browser (docs/permissions.md). */
export const Disposition = Type.Optional(
  Type.Union([Type.Literal("attachment"), Type.Literal("inline")], {
    description:
      "attachment (default): application/octet-stream. inline: images, PDF and text files by extension get " +
      "their type (text as text/plain) and Content-Disposition: inline; anything else (SVG and HTML " +
      "always) stays an attachment",
  }),
);

/**
 * What each error status means, as the OpenAPI document says it once (openapi.ts turns these into
 * `#/components/responses/<name>`). Framework answers any request can get — 400 MALFORMED_REQUEST,
 * 408, 414, 431, 500 — are described in the document's introduction, not on every route.
 */
export const ERROR_STATUSES = {
  400: {
    name: "BadRequest",
    description:
      "VALIDATION_FAILED (`details.field` names the field), " +
      "INVALID_NAME, SECRET_REQUIRED, DESTINATION_DENIED, WRONG_PASSWORD or LINK_INVALID",
  },
  401: {
    name: "Unauthenticated",
    description:
      "UNAUTHENTICATED: no valid bearer token or session cookie (missing, unknown, revoked, " +
      "expired, or the account is disabled)",
  },
  403: {
    name: "Forbidden",
    description: "FORBIDDEN: the caller may see the resource " + "but lacks the permission this needs",
  },
  404: { name: "NotFound", description: "NOT_FOUND: it does not exist, or the caller cannot read it" },
  408: { name: "RequestTimeout", description: "REQUEST_TIMEOUT: the upload body stalled (nothing is stored)" },
  409: {
    name: "Conflict",
    description:
      "CONFLICT, ALREADY_EXISTS, IMMUTABLE_FIELD, " + "SYNC_ALREADY_RUNNING, SYNC_SAFETY_ABORT or LAST_ADMIN",
  },
  412: { name: "PreconditionFailed", description: "PRECONDITION_FAILED: If-Match / If-None-Match did not hold" },
  413: { name: "PayloadTooLarge", description: "PAYLOAD_TOO_LARGE: the body is over the limit (JSON: 1 MiB)" },
  415: {
    name: "UnsupportedMediaType",
    description: "UNSUPPORTED_MEDIA_TYPE: JSON bodies " + "need Content-Type: application/json",
  },
  416: {
    name: "RangeNotSatisfiable",
    description: "RANGE_NOT_SATISFIABLE: the Range lies beyond " + "the content (Content-Range: bytes */size)",
  },
  429: {
    name: "TooManyAttempts",
    description:
      "TOO_MANY_ATTEMPTS: too many failed sign-ins for the account or from the address " +
      "(`details.limit`); Retry-After gives the seconds to wait",
  },
  502: {
    name: "ConnectorAuthFailed",
    description: "CONNECTOR_AUTH_FAILED: the remote " + "refused the connector's credentials",
  },
  504: { name: "ConnectorUnreachable", description: "CONNECTOR_UNREACHABLE: the remote could not be reached" },
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUSES;

/**
 * One error answer whose meaning on this route differs from the status's usual one (e.g. 401
 * INVALID_CREDENTIALS on sign-in, which takes no token): the envelope with the route's own description.
 */
export function errorAs(status: number, description: string): Record<number, TUnsafe<Static<typeof ErrorEnvelope>>> {
  return { [status]: Type.Unsafe<Static<typeof ErrorEnvelope>>({ $ref: "ErrorEnvelope#", description }) };
}

/** Statuses of a route that takes a JSON body: validation (400), size (413) and media type (415). */
export const JSON_BODY: readonly ErrorStatus[] = [400, 413, 415];

/**
 * The error answers of one route, each the {@link ErrorEnvelope} component: list only what the
 * route can answer (the OpenAPI test checks the lists against the routes' inputs and methods).
 */
export function errors(
  ...statuses: (ErrorStatus | readonly ErrorStatus[])[]
): Record<number, TUnsafe<Static<typeof ErrorEnvelope>>> {
  const out: Record<number, TUnsafe<Static<typeof ErrorEnvelope>>> = {};
  for (const s of [...statuses.flat()].sort((a, b) => a - b)) {
    out[s] = Type.Unsafe<Static<typeof ErrorEnvelope>>({
      $ref: "ErrorEnvelope#",
      description: ERROR_STATUSES[s].description,
    });
  }
  return out;
}

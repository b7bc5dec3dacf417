import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { AppInstance } from "./app-types.js";
import { DOCS_CSP, DOCS_PREFIX } from "./security-headers.js";
import { ERROR_STATUSES, type ErrorStatus } from "./schemas.js";

const DESCRIPTION = [
  "ScaiDrive: shares with folders, files, versions, metadata and ACLs, " +
    "kept in step with SMB file shares and SharePoint by connectors.",
  "",
  "Authenticate with `Authorization: Bearer <token>`, or with the `scaidrive_session` cookie that " +
    "`POST /api/v1/auth/sign-in` sets. A write (any method but GET, HEAD, OPTIONS) authenticated by the cookie " +
    "must carry an `Origin` of this server and `X-CSRF-Token` (the session's `csrf_token`); otherwise it is " +
    "answered 403 `CSRF_REJECTED`.",
  'Every error is `{"error": {"code": ' +
    '"UPPER_SNAKE", "message": "...", "details": {...}}}` (the `ErrorEnvelope` schema).',
  "Each operation lists the errors it can answer itself. Besides those, " +
    "any request may be answered 400 `MALFORMED_REQUEST` (not valid HTTP),",
  "408 `REQUEST_TIMEOUT`, 414 `URI_TOO_LONG`, 431 `HEADERS_TOO_LARGE`, " +
    "413/415 for a body sent where none is expected, and 500 `INTERNAL`.",
  "Lists take `limit` and `cursor` and return `next_cursor` (null on the last page).",
].join("\n");

/** The ScaiDrive logo (assets/scaidrive-logo.svg), found from src/ and from the compiled dist/ alike. */
function readLogo(): Buffer | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      return readFileSync(join(dir, "assets", "scaidrive-logo.svg"));
    } catch {
      // not here; go up
    }
  }
  return undefined;
}

type Operation = { responses?: Record<string, Record<string, unknown>> };
type OpenApiDoc = {
  paths?: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, unknown>>;
};

const ENVELOPE_REF = "#/components/schemas/ErrorEnvelope";

/** Operations whose body is streamed bytes: PUT of a whole file, tus creation (with data) and tus PATCH. */
const RAW_BODIES = [
  { path: "/api/v1/shares/{share_id}/content", method: "put", type: "application/octet-stream", required: true },
  { path: "/api/v1/uploads", method: "post", type: "application/offset+octet-stream", required: false },
  { path: "/api/v1/uploads/{upload_id}", method: "patch", type: "application/offset+octet-stream", required: true },
] as const;

/**
 * Replaces every error answer that is the envelope with its standard description (schemas.ts
 * `errors()`) by a `$ref` to one `#/components/responses/<name>`, so the document states each
 * status once rather than once per operation.
 */
export function shareErrorResponses(doc: OpenApiDoc): OpenApiDoc {
  const shared: Record<string, unknown> = {};
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops)) {
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const known = ERROR_STATUSES[Number(status) as ErrorStatus];
        const content = response.content as Record<string, { schema?: { $ref?: string } }> | undefined;
        if (
          !known ||
          response.description !== known.description ||
          content?.["application/json"]?.schema?.$ref !== ENVELOPE_REF
        )
          continue;
        shared[known.name] ??= response;
        op.responses![status] = { $ref: `#/components/responses/${known.name}` };
      }
    }
  }
  doc.components = { ...doc.components, responses: { ...doc.components?.responses, ...shared } };
  return doc;
}

/**
 * Moves every JSON request body schema that has a `title` to `#/components/schemas/<title>` and
 * references it, so a body several operations share (a connector's create body: create and
 * test-before-saving) is stated once.
 */
export function shareTitledBodies(doc: OpenApiDoc): OpenApiDoc {
  const shared: Record<string, unknown> = {};
  for (const ops of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(ops) as Array<Operation & { requestBody?: Record<string, unknown> }>) {
      const json = (op.requestBody?.content as Record<string, { schema?: { title?: unknown } }> | undefined)?.[
        "application/json"
      ];
      const title = json?.schema?.title;
      if (!json || typeof title !== "string" || !/^[A-Za-z][A-Za-z0-9]*$/.test(title)) continue;
      shared[title] ??= json.schema;
      json.schema = { $ref: `#/components/schemas/${title}` } as never;
    }
  }
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ...shared } };
  return doc;
}

const PATTERN_SET = "ConnectorPatternSet";

const isPatternSet = (v: Record<string, unknown>): boolean =>
  v.type === "object" &&
  typeof v.properties === "object" &&
  v.properties !== null &&
  Object.keys(v.properties).sort().join() === "extensions,patterns";

/**
 * A connector's filter (`{extensions, patterns}`) is stated once, as `#/components/schemas/ConnectorPatternSet`: every
 * connector body, read and the filter preview carry two of them. Each place keeps its own description and
 * nullability beside an `allOf` of the component (OpenAPI 3.0 ignores siblings of a bare `$ref`). Validation is not
 * affected: this rewrites the document only.
 */
export function sharePatternSets(doc: OpenApiDoc): OpenApiDoc {
  let shared: Record<string, unknown> | undefined;
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node !== "object" || node === null) return node;
    const obj = node as Record<string, unknown>;
    if (isPatternSet(obj)) {
      const { description, nullable, ...set } = obj;
      shared ??= set;
      return {
        ...(description !== undefined ? { description } : {}),
        ...(nullable !== undefined ? { nullable } : {}),
        allOf: [{ $ref: `#/components/schemas/${PATTERN_SET}` }],
      };
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, visit(v)]));
  };
  const paths = visit(doc.paths) as OpenApiDoc["paths"];
  const schemas = visit(doc.components?.schemas ?? {}) as Record<string, unknown>;
  if (!shared) return doc;
  return { ...doc, paths, components: { ...doc.components, schemas: { ...schemas, [PATTERN_SET]: shared } } };
}

/**
 * OpenAPI 3 generated from the routes' own TypeBox schemas. Must be registered before any route so
 * every route is captured. Schemas with an `$id` (registered by schema-registry.ts) appear once,
 * as `#/components/schemas/<$id>`. Document: /api/v1/openapi.json; browsable page: /api/docs.
 */
export async function installOpenApi(app: AppInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "ScaiDrive API", version: "0.1.0", description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          session: { type: "apiKey", in: "cookie", name: "scaidrive_session" },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    // Components keep the names they were registered under (the default would be def-0, def-1…).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`),
    },
    transformObject: (doc) => {
      const api = (doc as { openapiObject: OpenApiDoc }).openapiObject;
      // Upload bodies are raw bytes parsed by no schema (they are streamed), so describe them here.
      for (const { path, method, type, required } of RAW_BODIES) {
        const op = api.paths?.[path]?.[method] as Record<string, unknown> | undefined;
        if (op) op.requestBody = { required, content: { [type]: { schema: { type: "string", format: "binary" } } } };
      }
      return shareErrorResponses(sharePatternSets(shareTitledBodies(api))) as Record<string, unknown>;
    },
  });
  const logo = readLogo();
  // The page gets its own Content-Security-Policy (scripts and styles of its own origin), not the API's.
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { docExpansion: "list" },
    staticCSP: DOCS_CSP,
    // The header shows ScaiDrive's logo (a data: URI, which the page's img-src allows); the same
    // file is the page's icon, served at /api/docs/static/theme/scaidrive-logo.svg.
    ...(logo ? { logo: { type: "image/svg+xml", content: logo } } : {}),
    theme: {
      title: "ScaiDrive API",
      ...(logo
        ? {
            favicon: [
              { filename: "scaidrive-logo.svg", rel: "icon", sizes: "any", type: "image/svg+xml", content: logo },
            ],
          }
        : {}),
    },
  });
  app.get("/api/v1/openapi.json", { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
}

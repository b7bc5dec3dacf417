import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { AppInstance } from "./app-types.js";
import { DOCS_CSP, DOCS_PREFIX } from "./security-headers.js";

/**
 * OpenAPI 3 generated from the routes' own TypeBox schemas. Must be registered before any route so
 * every route is captured. Document: /api/v1/openapi.json; browsable page: /api/docs.
 */
export async function installOpenApi(app: AppInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "ScaiDrive API",
        version: "0.1.0",
        description: "Self-hosted file platform. Errors: {error: {code, message, details}}.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transformObject: (doc) => {
      // The upload body is raw bytes parsed by no schema (it is streamed), so describe it here.
      const api = (doc as { openapiObject?: { paths?: Record<string, Record<string, Record<string, unknown>>> } })
        .openapiObject;
      const put = api?.paths?.["/api/v1/shares/{share_id}/content"]?.put;
      if (put)
        put.requestBody = {
          required: true,
          content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
        };
      return (doc as { openapiObject: Record<string, unknown> }).openapiObject;
    },
  });
  // The page gets its own Content-Security-Policy (scripts and styles of its own origin), not the API's.
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: "list" }, staticCSP: DOCS_CSP });
  app.get("/api/v1/openapi.json", { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
}

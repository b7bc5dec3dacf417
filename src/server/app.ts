import Fastify, { LogController } from "fastify";
import pino, { type Logger } from "pino";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { ServerConfig } from "./config.js";
import { createContext, type AppContext } from "./app-context.js";
import type { ServerSyncOptions } from "./sync-engine-assembly.js";
import type { AppInstance, RouteModule } from "./app-types.js";
import { frameworkErrorHandler, installErrorEnvelope } from "./error-envelope.js";
import { createClientErrorHandler, requireHostHeader, trackResponses } from "./client-error-handler.js";
import { installSecurityHeaders, securityHeadersFor } from "./security-headers.js";
import { appPageFallback, installWebClient } from "./web-client.js";
import { createValidatorCompiler } from "./validator-compiler.js";
import { cachedSerializerFactory } from "./serializer-cache.js";
import { installRequestLogging, logFrameworkAnswer } from "./request-logging.js";
import { installJsonBodyParser } from "./json-body-parser.js";
import { installJsonNewline } from "./json-newline.js";
import { installOpenApi } from "./openapi.js";
import { registerSharedSchemas } from "./schema-registry.js";
import { authenticateApiRoutes } from "./auth.js";
import { coreRoutes, featureRoutes } from "./routes/index.js";
import type { User } from "../core/principal-service.js";
import { newUlid } from "../core/ids.js";

export interface BuildAppOptions {
  /** Sync engine settings (tests: short scheduler tick, fast retries, other connector definitions). */
  sync?: ServerSyncOptions;
  /** Extra route modules (after core and the registered feature routes); tests and embedders use this. */
  plugins?: RouteModule[];
  /** Skip the feature routes of routes/index.ts (core only). */
  coreOnly?: boolean;
  /** Logger to use; default: pino at config.logLevel with Authorization redacted. */
  logger?: Logger;
}

export interface BuiltApp {
  app: AppInstance;
  context: AppContext;
  /**
   * The admin user; `generatedToken` / `generatedPassword` are set only on the start that created
   * it without SCAIDRIVE_ADMIN_TOKEN / SCAIDRIVE_ADMIN_PASSWORD.
   */
  bootstrap: { admin: User; generatedToken?: string; generatedPassword?: string; revokedAdminToken?: boolean };
  /** Closes the HTTP server (if listening), then the context (db, blob collector). Idempotent. */
  close(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "headers.authorization",
        "authorization",
        "token",
        "*.token",
        "secret",
        "*.secret",
        "password",
        "*.password",
        "current_password",
        "*.current_password",
        "new_password",
        "*.new_password",
        "csrf_token",
        "*.csrf_token",
        "req.headers.cookie",
        "headers.cookie",
        'headers["x-csrf-token"]',
        'req.headers["x-csrf-token"]',
      ],
      censor: "[redacted]",
    },
  });
}

/** How often Node checks the headers/request timeouts: a quarter of the shorter one, at most Node's 30 s. */
function checkingInterval(config: ServerConfig): number {
  const timeouts = [config.headersTimeoutMs, config.requestTimeoutMs].filter((t) => t > 0);
  return timeouts.length === 0 ? 30_000 : Math.max(50, Math.min(30_000, Math.floor(Math.min(...timeouts) / 4)));
}

/**
 * Assembles the server: context (db with migrations, blobs, vault, every service), bootstrap admin,
 * error envelope, request logging, OpenAPI, then core routes, feature routes and `plugins`,
 * each in its own encapsulated scope. The context's background work starts when the app is ready
 * and stops when it closes. Does not listen: call `app.listen()`.
 */
export async function buildApp(config: ServerConfig, options: BuildAppOptions = {}): Promise<BuiltApp> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const context = await createContext(config, logger, { sync: options.sync });
  try {
    const bootstrap = await context.principals.bootstrapAdmin({
      adminToken: config.adminToken,
      adminPassword: config.adminPassword,
    });
    if (bootstrap.revokedAdminToken)
      logger.warn("SCAIDRIVE_ADMIN_TOKEN was revoked and stays revoked; set a new value or remove the variable");
    const app = Fastify({
      loggerInstance: logger,
      logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "req_id" }),
      genReqId: () => newUlid(),
      // Whose X-Forwarded-* to believe (SCAIDRIVE_TRUST_PROXY): the client address sign-in limits
      // count by, and whether the request came over https (the session cookie's Secure flag).
      trustProxy:
        typeof config.trustProxy === "number"
          ? (
              (hops: number) => (_address: string, hop: number) =>
                hop < hops
            )(config.trustProxy)
          : config.trustProxy,
      requestIdHeader: false,
      bodyLimit: 1024 * 1024,
      routerOptions: { ignoreTrailingSlash: true },
      // Timeouts (README "HTTP limits"): headers must arrive within headersTimeoutMs and a whole
      // request within requestTimeoutMs, except upload bodies, which only must not stall
      // (uploadIdleTimeoutMs, upload-guard.ts). Neither counts time the server spends answering.
      requestTimeout: config.requestTimeoutMs,
      http: {
        headersTimeout: config.headersTimeoutMs,
        connectionsCheckingInterval: checkingInterval(config),
        // Answered by requireHostHeader with the envelope instead of Node's empty 400.
        requireHostHeader: false,
      },
      clientErrorHandler: createClientErrorHandler(logger),
      frameworkErrors: frameworkErrorHandler(securityHeadersFor, logFrameworkAnswer),
      schemaController: { compilersFactory: { buildSerializer: cachedSerializerFactory() } },
    }).withTypeProvider<TypeBoxTypeProvider>() as unknown as AppInstance;
    trackResponses(app.server);
    app.setValidatorCompiler(createValidatorCompiler());
    app.decorate("scaidrive", context);
    // JSON is the only request media type of the API (uploads have their own parser in their scope).
    app.removeContentTypeParser("text/plain");
    installJsonBodyParser(app as never);
    installSecurityHeaders(app as never);
    installJsonNewline(app as never);
    app.addHook("onRequest", async (request, reply) => {
      reply.header("x-request-id", request.id);
    });
    app.addHook("onRequest", requireHostHeader);
    app.addHook("onRequest", authenticateApiRoutes);
    installErrorEnvelope(app as never, appPageFallback(config.webDir));
    installRequestLogging(app as never);
    const modules = [...coreRoutes, ...(options.coreOnly ? [] : featureRoutes), ...(options.plugins ?? [])];
    registerSharedSchemas(app, modules);
    await installOpenApi(app);
    await installWebClient(app as never, config.webDir);
    for (const mod of modules) {
      await app.register(async (scope) => {
        await mod(scope as AppInstance, context);
      });
    }
    app.addHook("onReady", async () => {
      await context.start();
    });
    app.addHook("onClose", async () => {
      await context.stop();
    });
    let closed: Promise<void> | undefined;
    return {
      app,
      context,
      bootstrap,
      close() {
        closed ??= (async () => {
          await app.close();
          await context.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    await context.close();
    throw err;
  }
}

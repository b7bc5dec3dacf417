import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { TSchema } from "typebox";
import type { AppContext } from "./app-context.js";

/** The Fastify instance routes are registered on (TypeBox schemas give typed params/bodies). */
export type AppInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * What a route module may use of the application context: services only. No store handle, and
 * files and folders only through the mount-aware facade (`files`), so no route can bypass a mount.
 */
export type RouteContext = Pick<
  AppContext,
  | "config"
  | "dialect"
  | "nodeId"
  | "logger"
  | "ping"
  | "principals"
  | "sessions"
  | "accounts"
  | "shares"
  | "files"
  | "uploads"
  | "uploadLocker"
  | "alerts"
  | "mounts"
  | "connectorTypes"
  | "connectorEvents"
  | "sharepoint"
>;

/**
 * A feature's routes. Each module is registered in its own encapsulated scope under the root
 * (so it may add content-type parsers or hooks without affecting others); the error envelope,
 * auth helpers (./auth.ts) and OpenAPI generation apply to it automatically. Services come built
 * from the context; a module neither builds one nor imports another route module.
 *
 * `sharedSchemas` are the components (schemas with an `$id`) its routes reference with `$ref`;
 * buildApp registers them on the root instance (schema-registry.ts), never the module itself.
 */
export type RouteModule = ((app: AppInstance, ctx: RouteContext) => Promise<void> | void) & {
  sharedSchemas?: readonly TSchema[];
};

import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { AppContext } from "./app-context.js";

/** The Fastify instance routes are registered on (TypeBox schemas give typed params/bodies). */
export type AppInstance = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/**
 * A feature's routes. Each module is registered in its own encapsulated scope under the root
 * (so it may add content-type parsers or hooks without affecting others); the error envelope,
 * auth helpers (./auth.ts) and OpenAPI generation apply to it automatically.
 */
export type RouteModule = (app: AppInstance, ctx: AppContext) => Promise<void> | void;

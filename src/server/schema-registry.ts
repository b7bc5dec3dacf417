import { isDeepStrictEqual } from "node:util";
import type { TSchema } from "typebox";
import type { AppInstance, RouteModule } from "./app-types.js";
import { CORE_SCHEMAS } from "./schemas.js";

/**
 * Registers the components (schemas with an `$id`) that routes reach through `$ref`: the core
 * ones and those the route modules declare (`RouteModule.sharedSchemas`), each once, on the root
 * instance before any route. The root matters: a scope that calls `addSchema` itself has Fastify
 * rebuild its validator with the default Ajv, which would drop ScaiDrive's own request validation
 * (validator-compiler.ts) for that scope's routes.
 * @throws Error when two different schemas claim the same `$id`.
 */
export function registerSharedSchemas(app: AppInstance, modules: readonly RouteModule[]): void {
  const byId = new Map<string, TSchema>();
  for (const schema of [...CORE_SCHEMAS, ...modules.flatMap((m) => m.sharedSchemas ?? [])]) {
    const id = (schema as { $id?: unknown }).$id;
    if (typeof id !== "string") throw new Error("a shared schema needs an $id");
    const known = byId.get(id);
    if (known === undefined) byId.set(id, schema);
    else if (known !== schema && !isDeepStrictEqual(known, schema))
      throw new Error(`two different ` + `shared schemas are named ${id}`);
  }
  for (const schema of byId.values()) app.addSchema(schema as never);
}

/**
 * The import-direction rules of design §2 ("server -> core/sync -> store, connectors -> sync
 * (interfaces), connectors/smb -> protocols/smb; nothing in protocols/ or store/ imports server/")
 * as data, one entry per rule, so a broken rule names itself in the failure message.
 *
 * Layers, top to bottom: cli -> server -> core | sync | connectors -> store; protocols/ stands apart
 * and is used only by connectors (and whoever assembles the app). Inside server/, only the
 * composition root builds on the store; everything else reaches data through services. A rule forbids an edge; anything
 * a
 * rule does not forbid is allowed (e.g. core <-> sync, which the design places side by side, and
 * connectors -> store types, which connector definitions use to read their own record).
 */
import { isBuiltin } from "node:module";
import { isRelative, type ImportEdge } from "./import-graph.js";

/** Where a repo-relative path sits: `src/<area>/<sub>/...`; `area` is `outside-src` for test/, bench/... */
export interface Place {
  area: string;
  /** The folder below the area when the file is not directly in it (`smb` for src/connectors/smb/x.ts). */
  sub?: string;
}

export function placeOf(path: string): Place {
  const parts = path.split("/");
  if (parts[0] !== "src" || parts.length < 3) return { area: parts[0] === "src" ? "" : "outside-src" };
  return parts.length >= 4 ? { area: parts[1], sub: parts[2] } : { area: parts[1] };
}

export interface LayerRule {
  name: string;
  /** The rule as a sentence, printed with each violation. */
  text: string;
  /** Whether the rule judges edges leaving this file. */
  appliesTo(from: string): boolean;
  /** True when the edge breaks the rule. Relative edges arrive resolved (`edge.target`). */
  forbids(edge: ImportEdge): boolean;
}

const under = (prefix: string) => (path: string) => path.startsWith(prefix);

/** The resolved target's place, or null for a bare specifier or an unresolved one. */
function targetPlace(edge: ImportEdge): Place | null {
  if (!isRelative(edge.specifier) || !edge.target) return null;
  return placeOf(edge.target);
}

function targetIn(edge: ImportEdge, areas: readonly string[]): boolean {
  const place = targetPlace(edge);
  return place !== null && areas.includes(place.area);
}

/** core/ modules that are shared vocabulary rather than services; the store may use them. */
const CORE_FOUNDATION = new Set(["src/core/errors.ts", "src/core/ids.ts"]);

/**
 * The server's composition root: it opens the stores and builds every service once (the sync
 * engine's assembly is a part of it). The CLI, above the server, may open the store too (it lies
 * outside src/server/ and no rule below judges it).
 */
const COMPOSITION_ROOT = new Set(["src/server/app-context.ts", "src/server/sync-engine-assembly.ts"]);

/**
 * The sync modules that form the engine's contract with connectors (design §3), and the spelling
 * of the settings both sides share (sync-options.ts: direction and conflict values, the delete
 * limit), which the connector field table offers as its choices, and the schedule rule
 * (sync-schedule.ts), whose next due time the connector API shows.
 */
const SYNC_INTERFACES = new Set([
  "src/sync/remote.ts",
  "src/sync/remote-errors.ts",
  "src/sync/retry-policy.ts",
  "src/sync/sync-hooks.ts",
  "src/sync/connector-types.ts",
  "src/sync/sync-options.ts",
  "src/sync/sync-schedule.ts",
]);

export const LAYER_RULES: readonly LayerRule[] = [
  {
    name: "protocols-self-contained",
    text:
      "src/protocols/** imports nothing outside src/protocols/ and no package but " +
      "Node built-ins (a pure-TypeScript client that knows nothing of the app)",
    appliesTo: under("src/protocols/"),
    forbids: (edge) =>
      isRelative(edge.specifier)
        ? edge.target !== null && edge.target !== undefined && !edge.target.startsWith("src/protocols/")
        : !isBuiltin(edge.specifier),
  },
  {
    name: "store-is-the-bottom",
    text:
      "src/store/** imports nothing from server, cli, connectors, protocols " +
      "or core services (core/errors.ts and core/ids.ts are allowed); " +
      "from sync/ only src/store/sync/** may import, and only types",
    appliesTo: under("src/store/"),
    forbids: (edge) => {
      const place = targetPlace(edge);
      if (!place) return false;
      if (["server", "cli", "connectors", "protocols"].includes(place.area)) return true;
      if (place.area === "core") return !CORE_FOUNDATION.has(edge.target!);
      if (place.area === "sync") {
        // The sync stores persist the engine's own value types (BaseEntry, PatternSet). Declaring
        // them twice would let the two drift, and a type-only import is erased from the emitted
        // JavaScript, so the store never loads the engine at run time. A value import would.
        return !(edge.from.startsWith("src/store/sync/") && edge.typeOnly);
      }
      return false;
    },
  },
  {
    name: "sync-engine-is-connector-agnostic",
    text:
      "src/sync/** imports nothing from server, cli, connectors or protocols " +
      "(connectors meet the engine only through the Remote interface)",
    appliesTo: under("src/sync/"),
    forbids: (edge) => targetIn(edge, ["server", "cli", "connectors", "protocols"]),
  },
  {
    name: "connectors-stand-alone",
    text:
      "src/connectors/** imports nothing from server or cli, and " +
      "src/connectors/<x>/** nothing from another connector's folder",
    appliesTo: under("src/connectors/"),
    forbids: (edge) => {
      const place = targetPlace(edge);
      if (!place) return false;
      if (place.area === "server" || place.area === "cli") return true;
      const own = placeOf(edge.from).sub;
      return own !== undefined && place.area === "connectors" && place.sub !== undefined && place.sub !== own;
    },
  },
  {
    name: "connectors-use-sync-interfaces",
    text:
      "src/connectors/** imports from src/sync/ only the engine's interfaces (remote.ts, " +
      "remote-errors.ts, retry-policy.ts, sync-hooks.ts, connector-types.ts, sync-options.ts): " +
      "connectors meet the engine through the Remote interface, never its planner, executor or services",
    appliesTo: under("src/connectors/"),
    forbids: (edge) => targetIn(edge, ["sync"]) && !SYNC_INTERFACES.has(edge.target!),
  },
  {
    name: "core-is-domain-only",
    text: "src/core/** imports nothing from server, cli, connectors or protocols",
    appliesTo: under("src/core/"),
    forbids: (edge) => targetIn(edge, ["server", "cli", "connectors", "protocols"]),
  },
  {
    name: "server-does-not-import-store",
    text:
      "src/server/** imports nothing from src/store/ (types included) " +
      "except the composition root (server/app-context.ts and the " +
      "server/sync-engine-assembly.ts it calls): route modules and " +
      "HTTP helpers go through the services the context builds",
    appliesTo: (from) => from.startsWith("src/server/") && !COMPOSITION_ROOT.has(from),
    forbids: (edge) => targetIn(edge, ["store"]),
  },
  {
    name: "route-modules-stand-alone",
    text:
      "a module of src/server/routes/ imports no other module of " +
      "src/server/routes/ (routes/index.ts, which lists them, excepted): " +
      "what route modules share is a service of the application context or a helper outside routes/",
    appliesTo: (from) => from.startsWith("src/server/routes/") && from !== "src/server/routes/index.ts",
    forbids: (edge) =>
      isRelative(edge.specifier) && typeof edge.target === "string" && edge.target.startsWith("src/server/routes/"),
  },
  {
    name: "cli-is-the-top",
    text: "only src/cli/** imports src/cli/ (it assembles the process; nothing below may depend on it)",
    appliesTo: (from) => from.startsWith("src/") && !from.startsWith("src/cli/"),
    forbids: (edge) => targetIn(edge, ["cli"]),
  },
  {
    name: "src-is-self-contained",
    text: "src/** imports nothing from test/, bench/ or scripts/ (relative imports stay inside src/)",
    appliesTo: under("src/"),
    forbids: (edge) => targetIn(edge, ["outside-src"]),
  },
];

export interface Violation {
  rule: string;
  from: string;
  specifier: string;
  line: number;
  /** `file -> import`, the form the test prints. */
  display: string;
}

/** Every rule the edge breaks (an edge may break more than one). */
export function violationsOf(edge: ImportEdge, rules: readonly LayerRule[] = LAYER_RULES): Violation[] {
  return rules
    .filter((rule) => rule.appliesTo(edge.from) && rule.forbids(edge))
    .map((rule) => ({
      rule: rule.name,
      from: edge.from,
      specifier: edge.specifier,
      line: edge.line,
      display: `${edge.from}:${edge.line} -> ${edge.specifier}${edge.typeOnly ? " (type-only)" : ""}  [${rule.name}]`,
    }));
}

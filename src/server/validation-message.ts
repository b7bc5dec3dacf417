/**
 * Schema validation failures in words a client can act on: every problem at once (ajv runs with
 * `allErrors`), each naming its field — the allowed values of an enum or a union of constants, the
 * known fields when an unknown one is sent, the id form (`shr_…`) instead of the id pattern.
 */
import type { ErrorObject } from "ajv";

export interface FieldProblem {
  /** Dotted path inside the validated part: `name`, `aces.0.permissions`, `limit`. */
  field: string;
  message: string;
}

/** What an id prefix names, for "must be a share id (shr_…)". */
const ID_KINDS: Readonly<Record<string, string>> = {
  usr: "user",
  grp: "group",
  tok: "token",
  shr: "share",
  fil: "file",
  ver: "version",
  cnn: "connector",
  job: "job",
  map: "identity mapping",
  alr: "alert",
  aud: "audit entry",
};

const ID_PATTERN = /^\^\(?([a-z]{3}(?:\|[a-z]{3})*)\)?_\[0-9A-HJKMNP-TV-Z\]\{26\}\$$/;

function dotted(instancePath: string): string {
  return instancePath.replace(/^\//, "").replace(/\//g, ".").replace(/~1/g, "/").replace(/~0/g, "~");
}

function join(path: string, leaf?: string): string {
  return [path, leaf].filter((p) => p !== undefined && p !== "").join(".");
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
}

/** The constants of a union of `const` schemas (TypeBox's Union of Literals), or undefined. */
function unionConstants(schema: unknown): unknown[] | undefined {
  const branches =
    (schema as { anyOf?: unknown[]; oneOf?: unknown[] } | undefined)?.anyOf ??
    (schema as { oneOf?: unknown[] } | undefined)?.oneOf;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const out: unknown[] = [];
  for (const b of branches) {
    const s = b as { const?: unknown; type?: string; enum?: unknown[] };
    if ("const" in s) out.push(s.const);
    else if (Array.isArray(s.enum)) out.push(...s.enum);
    else if (s.type === "null") out.push(null);
    else return undefined;
  }
  return out;
}

function describe(e: ErrorObject): FieldProblem | undefined {
  const path = dotted(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { field: join(path, p.missingProperty as string), message: "is required" };
    case "additionalProperties": {
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        field: join(path, p.additionalProperty as string),
        message: known.length ? `is not a known field (known: ${known.join(", ")})` : "is not a known field",
      };
    }
    case "enum":
      return { field: path, message: `must be one of: ${quoteList(p.allowedValues as unknown[])}` };
    case "anyOf":
    case "oneOf": {
      const values = unionConstants(e.parentSchema);
      return {
        field: path,
        message: values ? `must be one of: ${quoteList(values)}` : (e.message ?? "has the wrong form"),
      };
    }
    case "const":
      return { field: path, message: `must be ${quoteList([p.allowedValue])}` };
    case "pattern": {
      const m = ID_PATTERN.exec(String(p.pattern));
      if (m) {
        const kinds = m[1]!.split("|");
        const names = kinds.map((k) => `${ID_KINDS[k] ?? k} id (${k}_…)`);
        return { field: path, message: `must be a ${names.join(" or a ")}` };
      }
      const help = (e.parentSchema as { description?: string } | undefined)?.description;
      return { field: path, message: help ? `has the wrong form: ${help}` : `must match ${String(p.pattern)}` };
    }
    default:
      return { field: path, message: e.message ?? "is invalid" };
  }
}

/**
 * The problems behind ajv's errors, one per field and kind: a union's branch errors (`const`,
 * `type` below an `anyOf`) are folded into the union's own "must be one of" line.
 */
export function fieldProblems(errors: readonly ErrorObject[]): FieldProblem[] {
  const unions = new Set(errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => e.schemaPath));
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if ([...unions].some((u) => e.schemaPath !== u && e.schemaPath.startsWith(`${u}/`))) continue;
    const problem = describe(e);
    if (!problem) continue;
    const key = `${problem.field}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

/** "name is required; sync_direction must be one of: a, b" (a field-less problem is about the whole part). */
export function problemsMessage(part: string, problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field || part} ${p.message}`).join("; ");
}

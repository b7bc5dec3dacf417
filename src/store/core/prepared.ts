import type { Compilable, CompiledQuery, QueryResult } from "kysely";
import type { DbExecutor } from "./db-executor.js";

/**
 * A query's SQL, compiled once per dialect and reused with fresh parameters.
 *
 * Building and compiling a query with Kysely costs more than running one of the small indexed
 * queries of the hot paths (path lookups, auth, inserts of an upload), so those paths describe
 * the query once with placeholder arguments. The compiled parameters are mapped back to argument
 * positions: a placeholder becomes the caller's value, anything else (a constant in the query) is
 * kept. The query's shape must not depend on the values (no branches on them, no lists of varying
 * length: put such variation into the key).
 */
interface Template {
  sql: string;
  query: CompiledQuery["query"];
  /** Per compiled parameter: the argument index, or -1 for a constant kept in `constants`. */
  slots: number[];
  constants: unknown[];
}

const MARK = "\u0000sd-arg:";
/** Compiled templates per dialect adapter (transactions share their database's adapter). */
const templates = new WeakMap<object, Map<string, Template | null>>();

/** The placeholder for argument `i`; typed loosely so it fits any column in the builder. */
export type Arg = (i: number) => any;
const arg: Arg = (i) => `${MARK}${i}`;

/**
 * Runs the query `build` describes with `args`. `key` names the query shape (unique per build
 * function and shape). A shape whose placeholders do not all come back as parameters, or that
 * leaks one into the SQL text, is never cached: it is built with the real values each time.
 */
export async function runPrepared<R>(
  db: DbExecutor,
  key: string,
  args: readonly unknown[],
  build: (db: DbExecutor, arg: Arg) => Compilable<R>,
): Promise<QueryResult<R>> {
  const adapter = db.getExecutor().adapter as object;
  let byKey = templates.get(adapter);
  if (byKey === undefined) {
    byKey = new Map();
    templates.set(adapter, byKey);
  }
  let t = byKey.get(key);
  if (t === undefined) {
    t = compileTemplate(build(db, arg).compile(), args.length);
    byKey.set(key, t);
  }
  if (t === null) return db.executeQuery(build(db, (i) => args[i]).compile());
  const parameters = new Array<unknown>(t.slots.length);
  for (let i = 0; i < t.slots.length; i++) {
    const s = t.slots[i];
    parameters[i] = s >= 0 ? args[s] : t.constants[i];
  }
  return db.executeQuery<R>({
    sql: t.sql,
    query: t.query,
    parameters,
    queryId: { queryId: key },
  } as unknown as CompiledQuery<R>);
}

function compileTemplate(compiled: CompiledQuery<unknown>, argCount: number): Template | null {
  if (compiled.sql.includes(MARK)) return null;
  const slots: number[] = [];
  const constants: unknown[] = [];
  const seen = new Set<number>();
  for (const p of compiled.parameters) {
    if (typeof p === "string" && p.startsWith(MARK)) {
      const i = Number(p.slice(MARK.length));
      if (!Number.isInteger(i) || i < 0 || i >= argCount) return null;
      slots.push(i);
      constants.push(undefined);
      seen.add(i);
    } else {
      if (typeof p === "string" && p.includes(MARK)) return null;
      slots.push(-1);
      constants.push(p);
    }
  }
  if (seen.size !== argCount) return null;
  return { sql: compiled.sql, query: compiled.query, slots, constants };
}

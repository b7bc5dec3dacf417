import { createHash } from "node:crypto";
import type { PostgresPool, PostgresPoolClient } from "kysely";
import type pg from "pg";

/**
 * A pg pool for Kysely whose queries run as named (server-side prepared) statements once their SQL text repeats.
 *
 * Kysely sends every query unnamed, so PostgreSQL parses, analyses and plans it on each call. For the small indexed
 * statements of the hot paths (a bearer token's user and groups, a path's chain of folders, the multi-row file
 * creation) that work was most of the database's CPU per upload. A named statement is parsed once per
 * connection; pg's client prepares it on first use on each connection and reuses it after.
 *
 * Only repeated DML is named: a text seen once (DDL, migrations, one-off admin queries) stays unnamed, and the number
 * of named texts is capped, because each one lives on every pooled connection until it closes and variable-length IN
 * lists make the set of texts open-ended. PostgreSQL re-plans a prepared statement after DDL by itself; a statement
 * whose result columns a migration changed fails once with "cached plan must not change result type" and is then
 * never named again (nodes run migrations at start-up, before they serve).
 */
const MAX_NAMED = 256;
const MAX_TRACKED = 4096;
const NAMEABLE = /^\s*(select|insert|update|delete|with)\b/i;

export function withPreparedStatements(pool: pg.Pool): PostgresPool {
  const seen = new Map<string, number>();
  const named = new Map<string, string>();
  const never = new Set<string>();

  function nameFor(text: string): string | undefined {
    const name = named.get(text);
    if (name !== undefined || never.has(text) || named.size >= MAX_NAMED || !NAMEABLE.test(text)) return name;
    const count = (seen.get(text) ?? 0) + 1;
    if (count < 2) {
      if (seen.size >= MAX_TRACKED) seen.clear();
      seen.set(text, count);
      return undefined;
    }
    seen.delete(text);
    const fresh = `sd_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    named.set(text, fresh);
    return fresh;
  }

  function wrap(client: pg.PoolClient): PostgresPoolClient {
    return {
      query(sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>): any {
        if (typeof sqlOrCursor !== "string") return client.query(sqlOrCursor as pg.Submittable);
        const name = nameFor(sqlOrCursor);
        const values = parameters ? [...parameters] : [];
        if (name === undefined) return client.query(sqlOrCursor, values);
        return client.query({ name, text: sqlOrCursor, values }).catch((err: { code?: string; message?: string }) => {
          if (err?.code === "0A000" && /cached plan/.test(err.message ?? "")) {
            named.delete(sqlOrCursor);
            never.add(sqlOrCursor);
          }
          throw err;
        });
      },
      release: () => client.release(),
    };
  }

  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}

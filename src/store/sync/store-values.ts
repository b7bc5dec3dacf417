/** Conversions shared by the sync stores: PostgreSQL returns BIGINT as strings, booleans are 0/1. */
export function num(v: number | string | null | undefined): number {
  return v === null || v === undefined ? 0 : typeof v === "number" ? v : Number(v);
}

export function numOrNull(v: number | string | null | undefined): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function bool(v: number | boolean | null | undefined): boolean {
  return v === 1 || v === true;
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  return JSON.parse(text) as T;
}

/** True for a unique-constraint violation on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === "23505" ||
    e?.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    /UNIQUE constraint/.test(e?.message ?? "")
  );
}

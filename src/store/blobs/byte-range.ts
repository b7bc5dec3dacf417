import { AppError } from "../../core/errors.js";

/**
 * The inclusive byte range to read of content of `size` bytes: `end` past the content is clamped
 * to the last byte; a start beyond it, a negative start or end < start throw RANGE_NOT_SATISFIABLE.
 * No range means everything.
 */
export function resolveRange(size: number, range?: { start: number; end: number }): { start: number; end: number } {
  if (!range) return { start: 0, end: size - 1 };
  const valid = Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0;
  if (!valid || range.end < range.start || range.start >= size) {
    throw new AppError("RANGE_NOT_SATISFIABLE", "range is outside the content", {
      start: range.start,
      end: range.end,
      size,
    });
  }
  return { start: range.start, end: Math.min(range.end, size - 1) };
}

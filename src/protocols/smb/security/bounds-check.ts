import { SecurityDecodeError } from "./security-errors.js";

/** Throws {@link SecurityDecodeError} unless `length` bytes at `offset` lie inside `buf`. */
export function need(buf: Buffer, offset: number, length: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > buf.length) {
    throw new SecurityDecodeError(
      `${what}: needs ${length} bytes at offset ${offset}, buffer has ${buf.length}`,
      offset,
    );
  }
}

/**
 * Raised by every security decoder when the bytes do not form a valid structure: truncated
 * input, an offset or length pointing outside the buffer, an unsupported revision, or a SID
 * string that does not parse. `offset` is where in the input the problem was found (−1 for
 * string input). Decoders never throw anything else for bad input, so callers can catch this
 * one type and treat the descriptor as unreadable.
 */
export class SecurityDecodeError extends Error {
  override readonly name = "SecurityDecodeError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

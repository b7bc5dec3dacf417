import type { FastifyInstance } from "fastify";
import { AppError } from "../core/errors.js";

/** Deepest nesting of arrays and objects a JSON request body may have. */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b,
  OPEN_BRACKET = 0x5b,
  CLOSE_BRACE = 0x7d,
  CLOSE_BRACKET = 0x5d,
  QUOTE = 0x22,
  BACKSLASH = 0x5c;

/**
 * Whether `text` nests arrays/objects deeper than `limit`: one linear pass counting `[`/`{`
 * against `]`/`}` outside string literals. It judges nesting only; whether the text is valid
 * JSON is the parser's business (malformed text never makes this throw or loop).
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** Decodes strictly: a lenient decoder would turn invalid bytes into U+FFFD and store names nobody sent. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Replaces the JSON body parser with Fastify's own (secure-json-parse: `__proto__` and
 * `constructor.prototype` keys are refused) behind two checks, each a 400 VALIDATION_FAILED:
 * the body must be valid UTF-8 (RFC 8259), and nest at most {@link MAX_JSON_DEPTH} levels —
 * values nested thousands deep parse fine but overflow the stack of everything recursive that
 * handles them later (serialising metadata, schema validation), so they are refused before parsing.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new AppError("VALIDATION_FAILED", "the JSON body is not valid UTF-8", { field: "body" }), undefined);
      return;
    }
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(
        new AppError(
          "VALIDATION_FAILED",
          `JSON bodies may nest arrays and objects at most ${MAX_JSON_DEPTH} levels deep`,
          { field: "body", max_depth: MAX_JSON_DEPTH },
        ),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}

import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

export interface LogCapture {
  logger: Logger;
  /** Every line logged so far, parsed. */
  lines: any[];
}

/** A pino logger at `level` whose JSON lines are kept in memory, to assert on what the server logs. */
export function captureLogs(level = "info"): LogCapture {
  const lines: any[] = [];
  let partial = "";
  const sink = new Writable({
    write(chunk, _enc, cb) {
      const text = partial + chunk.toString();
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      for (const l of parts) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

import { randomUUID } from "node:crypto";
import { GraphError } from "../graph/graph-error.js";

export type FaultKind = "429" | "503" | "500" | "reset" | "slow" | "redirect";

/** One fault rule as the control API accepts it (POST /_emulator/faults). */
export interface FaultRuleInput {
  kind: FaultKind;
  /** Regular expression tested against the request path (no query), e.g. `/v1\.0/drives/.+/delta`. */
  path?: string;
  /** Exact route template, e.g. `GET /drives/{drive-id}/root/delta` (see counters). */
  route?: string;
  /** Only this HTTP method. */
  method?: string;
  /** Fire on this share of matching requests (0..1, default 1). */
  fraction?: number;
  /** Fire at most this many times, then the rule is spent (default: unlimited). */
  count?: number;
  /** `Retry-After` seconds for 429/503 (default 1). */
  retryAfterSec?: number;
  /** Delay before answering for `slow` (default 2000 ms). */
  delayMs?: number;
  /** `redirect`: the absolute URL the 302 points at (a pre-authenticated URL handing the client elsewhere). */
  location?: string;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  fired: number;
  /** When it fired (epoch ms), so a test can measure how long a client waited before retrying. */
  firedAt: number[];
}

/** What the request hook must do for a matched rule. */
export type FaultAction =
  | { kind: "error"; error: GraphError }
  | { kind: "reset" }
  | { kind: "slow"; delayMs: number }
  | { kind: "redirect"; location: string };

/**
 * Fault injection for the control API. Rules are checked in the order they were added; the
 * first that matches and is not spent fires. Matching looks at the method, the path (regex)
 * and the route template; `fraction` makes the choice random per request.
 */
export class FaultRules {
  private rules: FaultRule[] = [];

  add(input: FaultRuleInput): FaultRule {
    if (!["429", "503", "500", "reset", "slow", "redirect"].includes(String(input.kind))) {
      throw new GraphError(400, "invalidRequest", "kind must be one of 429, 503, 500, reset, slow, redirect");
    }
    if (input.kind === "redirect") {
      let ok: boolean;
      try {
        ok = typeof input.location === "string" && /^https?:$/.test(new URL(input.location).protocol);
      } catch {
        ok = false;
      }
      if (!ok) throw new GraphError(400, "invalidRequest", "a redirect rule needs location: an absolute http(s) URL");
    }
    if (input.path !== undefined) {
      try {
        new RegExp(input.path);
      } catch {
        throw new GraphError(400, "invalidRequest", `path is not a valid regular expression: ${input.path}`);
      }
    }
    const rule: FaultRule = {
      ...input,
      kind: String(input.kind) as FaultKind,
      id: randomUUID(),
      fired: 0,
      firedAt: [],
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  clear(id?: string): void {
    this.rules = id ? this.rules.filter((r) => r.id !== id) : [];
  }

  match(method: string, path: string, route: string | undefined): FaultAction | undefined {
    for (const rule of this.rules) {
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path && !new RegExp(rule.path).test(path)) continue;
      if (rule.route && rule.route !== route) continue;
      if (rule.fraction !== undefined && Math.random() >= rule.fraction) continue;
      rule.fired++;
      rule.firedAt.push(Date.now());
      const retryAfter = String(rule.retryAfterSec ?? 1);
      switch (rule.kind) {
        case "429":
          return {
            kind: "error",
            error: new GraphError(429, "TooManyRequests", "Please retry again later.", undefined, {
              "retry-after": retryAfter,
            }),
          };
        case "503":
          return {
            kind: "error",
            error: new GraphError(503, "serviceNotAvailable", "The service is temporarily unavailable.", undefined, {
              "retry-after": retryAfter,
            }),
          };
        case "500":
          return {
            kind: "error",
            error: new GraphError(500, "generalException", "An unspecified error has occurred."),
          };
        case "reset":
          return { kind: "reset" };
        case "slow":
          return { kind: "slow", delayMs: rule.delayMs ?? 2000 };
        case "redirect":
          return { kind: "redirect", location: rule.location! };
      }
    }
    return undefined;
  }
}

import type { FastifyReply, FastifyRequest } from "fastify";

/** The cookie that carries a browser session's id. */
export const SESSION_COOKIE = "scaidrive_session";

/** The session id from a Cookie header, or undefined. */
export function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * The cookie's attributes: the whole site (the web client and the API share it), never readable
 * by scripts, not sent on cross-site subrequests, and `Secure` when the request came over https
 * (directly or, with SCAIDRIVE_TRUST_PROXY, as X-Forwarded-Proto says). No Max-Age: the
 * browser forgets it when it closes; the server ends it anyway on its idle and absolute expiry.
 */
function attributes(request: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Lax${request.protocol === "https" ? "; Secure" : ""}`;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, id: string): void {
  reply.header("set-cookie", `${SESSION_COOKIE}=${id}; ${attributes(request)}`);
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header("set-cookie", `${SESSION_COOKIE}=; ${attributes(request)}; Max-Age=0`);
}

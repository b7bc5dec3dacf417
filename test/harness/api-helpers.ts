/**
 * Steps many API tests take over real HTTP: a non-admin user with a token, and waiting for a sync
 * job to end. Failures throw with the status and body, so a broken step names itself.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { ApiCall } from "./api-client.js";

/** A new user (unique email) and a token for it, created with the caller's default (admin) token. */
export async function createUserWithToken(api: ApiCall, name: string): Promise<{ id: string; token: string }> {
  const u = await api("POST", "/api/v1/users", {
    json: { email: `${name}-${randomBytes(4).toString("hex")}@example.com`, name },
  });
  if (u.status !== 201) throw new Error(`user: ${u.status} ${JSON.stringify(u.body)}`);
  const t = await api("POST", "/api/v1/tokens", { json: { user_id: u.body.id, name: "test" } });
  if (t.status !== 201) throw new Error(`token: ${t.status} ${JSON.stringify(t.body)}`);
  return { id: u.body.id, token: t.body.token };
}

/**
 * Polls `GET /api/v1/{type}-connectors/{connectorId}/jobs/{jobId}` (with the job's log, up to 1000
 * entries) until the job leaves `queued`/`running`, and returns it. Throws on a non-200 answer or
 * when it is still going after `maxPolls` polls (a bound on a hung job, not a speed assertion).
 */
export async function waitForJob(
  api: ApiCall,
  connectorId: string,
  jobId: string,
  o: { type?: string; token?: string; maxPolls?: number; intervalMs?: number } = {},
): Promise<any> {
  const maxPolls = o.maxPolls ?? 1200;
  for (let i = 0; i < maxPolls; i++) {
    const r = await api("GET", `/api/v1/${o.type ?? "smb"}-connectors/${connectorId}/jobs/${jobId}?limit=1000`, {
      token: o.token,
    });
    if (r.status !== 200) throw new Error(`job poll: ${r.status} ${JSON.stringify(r.body)}`);
    if (r.body.status !== "queued" && r.body.status !== "running") return r.body;
    await delay(o.intervalMs ?? 100);
  }
  throw new Error(`job ${jobId} did not finish after ${maxPolls} polls`);
}

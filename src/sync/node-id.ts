import { randomBytes } from "node:crypto";

/**
 * A node's identity in a cluster: random per process start (a restarted process is a new node, so
 * nothing of the dead one's is mistaken for its own), short enough to read in logs and job rows.
 */
export function newNodeId(): string {
  return `node_${randomBytes(6).toString("hex")}`;
}

/**
 * Fast cancel across nodes: a job is cancelled on whichever node the client asks, but its body
 * runs on one node only. The cancelling node records `cancelled` in the store and publishes the
 * `job.state` event (JobRunner.cancel); with a cluster event bus that event reaches every node,
 * and the node holding the job aborts it at once instead of at its next heartbeat (which still
 * notices the stored cancel when the event is lost, e.g. during a database reconnect).
 *
 * On the node that cancels its own job the abort has already happened; aborting again is a no-op.
 */
import type { ConnectorEventBus } from "../core/connector-events.js";
import type { JobRunner } from "./job-runner.js";

/** Subscribes `runner` to cancelled `job.state` events; returns the unsubscribe function. */
export function relayCancels(
  bus: Pick<ConnectorEventBus, "subscribe">,
  runner: Pick<JobRunner, "abortLocal">,
): () => void {
  return bus.subscribe((event) => {
    if (event.type === "job.state" && event.status === "cancelled") runner.abortLocal(event.job_id);
  });
}

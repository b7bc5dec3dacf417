/**
 * Fast cancel across nodes: a job is cancelled on whichever node the client asks, but its body
 * runs on one node only. The cancelling node records `cancelled` in the store and publishes the
 * `job.state` event (JobRunner.cancel); with a cluster event bus that event reaches every node,
 * and the node holding the job aborts it at once instead of at its next heartbeat (which still
 * notices the stored cancel when the event is lost, e.g. during a database reconnect).
 *
 * On the node that cancels its own job the abort has already happened; aborting again is a no-op.
 *
 * The same events carry new work: a job queued on any node (an `api` node records jobs but runs
 * none) wakes every runner, so a worker with a free slot claims it now rather than at its next
 * claim poll (the poll stays as the fallback for lost events).
 */
import type { ConnectorEventBus } from "../core/connector-events.js";
import type { JobRunner } from "./job-runner.js";

/** Subscribes `runner` to cancelled and queued `job.state` events; returns the unsubscribe function. */
export function relayJobSignals(
  bus: Pick<ConnectorEventBus, "subscribe">,
  runner: Pick<JobRunner, "abortLocal" | "wake">,
): () => void {
  return bus.subscribe((event) => {
    if (event.type !== "job.state") return;
    if (event.status === "cancelled") runner.abortLocal(event.job_id);
    else if (event.status === "queued") runner.wake();
  });
}

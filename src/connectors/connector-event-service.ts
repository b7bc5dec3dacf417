/**
 * The live event stream as one caller sees it: events of the connectors they may see (READ on the
 * connector's target share root, the rule of listing connectors and reading their jobs; admins see
 * all), optionally of one connector only.
 *
 * Visibility is looked up per connector and remembered for a few seconds, so a job's progress
 * events do not cost a permission check each; a grant or revocation takes effect within that time.
 * Events are delivered in the bus's order even though the look-ups are asynchronous.
 */
import type { Logger } from "pino";
import { AppError } from "../core/errors.js";
import type { Actor } from "../core/actor.js";
import type { ConnectorEventBus, DeliveredEvent } from "../core/connector-events.js";
import type { ConnectorStore } from "../store/sync/connector-store.js";
import type { ConnectorAccess } from "./connector-access.js";

/** How long a visibility answer is reused within one subscription. */
const VISIBILITY_TTL_MS = 5000;

export interface ConnectorEventServiceOptions {
  bus: ConnectorEventBus;
  connectors: Pick<ConnectorStore, "get">;
  access: Pick<ConnectorAccess, "canSee">;
  logger: Logger;
}

export class ConnectorEventService {
  /** Counted here, not by the bus: the bus has other subscribers too (the cancel relay). */
  private subscriptions = 0;

  constructor(private readonly o: ConnectorEventServiceOptions) {}

  /** Open subscriptions (streams) right now. */
  subscriberCount(): number {
    return this.subscriptions;
  }

  /**
   * Subscribes `deliver` to the events the actor may see (of `connectorId` only, when given).
   * Returns the unsubscribe function. @throws NOT_FOUND when `connectorId` is unknown or invisible
   */
  async subscribe(
    actor: Actor,
    filter: { connectorId?: string },
    deliver: (event: DeliveredEvent) => void,
  ): Promise<() => void> {
    const only = filter.connectorId;
    if (only !== undefined) {
      const c = await this.o.connectors.get(only);
      if (!c || !(await this.o.access.canSee(actor, c))) throw new AppError("NOT_FOUND", `connector ${only} not found`);
    }
    const seen = new Map<string, { visible: boolean; until: number }>();
    const visible = async (connectorId: string): Promise<boolean> => {
      const hit = seen.get(connectorId);
      if (hit && hit.until > Date.now()) return hit.visible;
      const c = await this.o.connectors.get(connectorId);
      const v = c !== undefined && (await this.o.access.canSee(actor, c));
      seen.set(connectorId, { visible: v, until: Date.now() + VISIBILITY_TTL_MS });
      return v;
    };
    let chain: Promise<void> = Promise.resolve();
    let open = true;
    const unsubscribe = this.o.bus.subscribe((event) => {
      if (only !== undefined && event.connector_id !== only) return;
      chain = chain.then(async () => {
        try {
          if (open && (await visible(event.connector_id)) && open) deliver(event);
        } catch (err) {
          this.o.logger.warn({ err, connectorId: event.connector_id }, "could not check an event's visibility");
        }
      });
    });
    this.subscriptions++;
    return () => {
      if (!open) return;
      open = false;
      this.subscriptions--;
      unsubscribe();
    };
  }
}

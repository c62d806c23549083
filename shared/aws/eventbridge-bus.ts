import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { DomainEvent, EventBus } from "../core/ports.ts";

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;

/** Domain events onto an EventBridge bus: source `rapport`, detail-type the event type. */
export class EventBridgeBus implements EventBus {
  private readonly client: EventBridgeClient;
  private readonly busName: string;

  constructor(busName: string, region: string, client?: EventBridgeClient) {
    this.busName = busName;
    this.client = client ?? new EventBridgeClient({ region, maxAttempts: 3 });
  }

  async publish(events: DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: "rapport",
            DetailType: e.type,
            Time: new Date(e.at),
            Detail: JSON.stringify({ eventId: e.id, customerId: e.customerId, at: e.at, ...e.data }),
          })),
        }),
      );
      if (result.FailedEntryCount) {
        const codes = (result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
        throw new Error(`EventBridge refused ${result.FailedEntryCount} of ${batch.length} events: ${[...new Set(codes)].join(", ")}`);
      }
    }
  }
}

/** Where no bus is configured: events are only logged at debug level (ids only). */
export class LogOnlyBus implements EventBus {
  private readonly log: (message: string, extra: Record<string, unknown>) => void;
  constructor(log: (message: string, extra: Record<string, unknown>) => void) {
    this.log = log;
  }
  async publish(events: DomainEvent[]): Promise<void> {
    for (const e of events) this.log("domain event", { type: e.type, customerId: e.customerId });
  }
}

// The usage event <-> CloudEvents 1.0 structured JSON mapping (Python: saas_contracts.ledger._envelope).

import type { UsageCloudEvent, UsageEvent } from "../../generated/types/usage-ledger.js";
import { validateUsageCloudEvent } from "../../generated/validators/index.js";
import { ContractViolationError } from "../errors.js";
import { toViolations } from "../validators.js";

export const EVENT_SCHEMA = "usage-ledger/v1/event";
export const CLOUDEVENT_SCHEMA = "usage-ledger/v1/cloudevent";
export const EVENT_SCHEMA_ID = "https://saas-contracts.dev/schemas/usage-ledger/v1/event.schema.json";
export const CLOUDEVENT_SOURCE_PREFIX = "/usage-ledger/";

/** The CloudEvents 1.0 structured JSON form of a valid usage event (lossless). */
export function toCloudEvent(event: UsageEvent): UsageCloudEvent {
  const data: UsageCloudEvent["data"] = {
    plan: event.plan,
    quantity: event.quantity,
    recorded_at: event.recorded_at,
    idempotency_key: event.idempotency_key,
  };
  if (event.attributes !== undefined) data.attributes = event.attributes;
  return {
    specversion: "1.0",
    id: event.event_id,
    source: CLOUDEVENT_SOURCE_PREFIX + event.source,
    type: event.event_type,
    subject: event.subject,
    time: event.occurred_at,
    datacontenttype: "application/json",
    dataschema: EVENT_SCHEMA_ID,
    data,
  };
}

/**
 * The usage event carried by a CloudEvent made by toCloudEvent. Throws ContractViolationError when
 * the CloudEvent does not satisfy usage-ledger/v1/cloudevent.
 */
export function fromCloudEvent(cloudEvent: unknown): UsageEvent {
  if (!validateUsageCloudEvent(cloudEvent)) {
    throw new ContractViolationError(CLOUDEVENT_SCHEMA, toViolations(validateUsageCloudEvent.errors));
  }
  const { data } = cloudEvent;
  const event: UsageEvent = {
    event_id: cloudEvent.id,
    event_type: cloudEvent.type,
    subject: cloudEvent.subject,
    plan: data.plan,
    quantity: data.quantity,
    occurred_at: cloudEvent.time,
    recorded_at: data.recorded_at,
    source: cloudEvent.source.startsWith(CLOUDEVENT_SOURCE_PREFIX)
      ? cloudEvent.source.slice(CLOUDEVENT_SOURCE_PREFIX.length)
      : cloudEvent.source,
    idempotency_key: data.idempotency_key,
  };
  if (data.attributes !== undefined) event.attributes = data.attributes;
  return event;
}

import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { BROADCAST_STREAM_FILTER, matchesEventFilter } from "../../infra/stream-filter.ts";
import { scheduleChange, scheduleName } from "../../shared/broadcasts/schedules.ts";
import { firstSendTime, recipientSendTime } from "../../shared/broadcasts/timing.ts";

/** A stream record of a newsletter's item, as Lambda hands it over (DynamoDB JSON images). */
function record(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): DynamoDBRecord {
  return {
    eventName: before && after ? "MODIFY" : after ? "INSERT" : "REMOVE",
    dynamodb: {
      Keys: marshall({ PK: "BROADCAST", SK: "nl-1" }) as never,
      ...(before ? { OldImage: marshall(before) as never } : {}),
      ...(after ? { NewImage: marshall(after) as never } : {}),
    },
  };
}

const id = "nl-01j00000000000000000000000";

describe("which schedules a newsletter's change asks for", () => {
  it("a newsletter scheduled gets a schedule at its first send time; a moved time replaces it; a cancellation deletes it", () => {
    expect(scheduleChange(record({ id, state: "draft" }, { id, state: "scheduled", nextAt: "2027-01-15T09:00:00.000Z" }))).toEqual({
      create: { id, at: "2027-01-15T09:00:00.000Z" },
    });
    expect(
      scheduleChange(record({ id, state: "scheduled", nextAt: "2027-01-15T09:00:00.000Z" }, { id, state: "scheduled", nextAt: "2027-01-16T09:00:00.000Z" })),
    ).toEqual({ create: { id, at: "2027-01-16T09:00:00.000Z" }, remove: { id, at: "2027-01-15T09:00:00.000Z" } });
    expect(scheduleChange(record({ id, state: "sending", nextAt: "2027-01-15T09:00:00.000Z" }, { id, state: "cancelled" }))).toEqual({
      remove: { id, at: "2027-01-15T09:00:00.000Z" },
    });
  });

  it("a change of counters alone asks for nothing, and neither does a draft", () => {
    const at = "2027-01-15T09:00:00.000Z";
    expect(scheduleChange(record({ id, state: "sending", nextAt: at, queued: 5 }, { id, state: "sending", nextAt: at, queued: 9 }))).toEqual({});
    expect(scheduleChange(record(undefined, { id, state: "draft" }))).toEqual({});
  });

  it("schedule names fit EventBridge Scheduler's 64 characters of letters, digits, - _ .", () => {
    const name = scheduleName(id, "2027-01-15T09:00:00.000Z");
    expect(name).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(name).toBe(`${id}-1800003600`);
  });

  it("only newsletter items pass the stream filter", () => {
    expect(matchesEventFilter(BROADCAST_STREAM_FILTER, { dynamodb: { Keys: { PK: { S: "BROADCAST" }, SK: { S: id } } } })).toBe(true);
    expect(matchesEventFilter(BROADCAST_STREAM_FILTER, { dynamodb: { Keys: { PK: { S: `BROADCAST#${id}` }, SK: { S: "STATS" } } } })).toBe(false);
    expect(matchesEventFilter(BROADCAST_STREAM_FILTER, { dynamodb: { Keys: { PK: { S: "CUST#c1" }, SK: { S: "PROFILE" } } } })).toBe(false);
  });
});

describe("when a newsletter's recipients are due", () => {
  it("one instant is everyone's time", () => {
    expect(firstSendTime("2027-01-15T10:00:00+01:00")).toBe("2027-01-15T09:00:00.000Z");
    expect(recipientSendTime("2027-01-15T10:00:00+01:00", "Asia/Tokyo")).toBe("2027-01-15T09:00:00.000Z");
  });

  it("a local time starts at UTC+14 and comes in each zone in turn, daylight saving included; no zone or a bad one uses the fallback", () => {
    const sendAt = { localTime: "2027-07-01T10:00", fallbackZone: "Europe/Oslo" };
    expect(firstSendTime(sendAt)).toBe("2027-06-30T20:00:00.000Z");
    expect(recipientSendTime(sendAt, "Pacific/Kiritimati")).toBe("2027-06-30T20:00:00.000Z");
    expect(recipientSendTime(sendAt, "Asia/Tokyo")).toBe("2027-07-01T01:00:00.000Z");
    expect(recipientSendTime(sendAt, "America/New_York")).toBe("2027-07-01T14:00:00.000Z");
    expect(recipientSendTime(sendAt, undefined)).toBe("2027-07-01T08:00:00.000Z");
    expect(recipientSendTime(sendAt, "Not/AZone")).toBe("2027-07-01T08:00:00.000Z");
  });
});

import { safeZone, zonedInstant } from "../retention/time.ts";
import type { SendAt } from "./schema.ts";

/**
 * When a newsletter's recipients are due. `sendAt` is one instant, or a wall-clock time in each
 * recipient's zone: the earliest such instant is that time at UTC+14 (Kiritimati), the latest at
 * UTC−12, so a local-time newsletter starts (expands its segment) at the earliest and releases
 * each zone's recipients as their own time comes.
 */

/** The easternmost offset in use (UTC+14): where a local time comes first. */
const EARLIEST_OFFSET_MS = 14 * 3_600_000;

/** The first instant anyone can be due: `sendAt` itself, or its local time at UTC+14. */
export function firstSendTime(sendAt: SendAt): string {
  if (typeof sendAt === "string") return new Date(sendAt).toISOString();
  return new Date(Date.parse(`${sendAt.localTime}:00Z`) - EARLIEST_OFFSET_MS).toISOString();
}

/** When one recipient is due: `sendAt`, or its local time in their zone (else the fallback zone). */
export function recipientSendTime(sendAt: SendAt, timezone: string | undefined): string {
  if (typeof sendAt === "string") return new Date(sendAt).toISOString();
  const [day, time] = sendAt.localTime.split("T") as [string, string];
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  const [hour, minute] = time.split(":").map(Number) as [number, number];
  return zonedInstant({ year, month, day: date, hour, minute }, safeZone(timezone, sendAt.fallbackZone)).toISOString();
}

import type { By } from "./schema.ts";

export interface TimelineItem {
  id: string;
  at: string;
  type: string;
  summary?: string;
  /** The words of a call, meeting or note, as the person who logged it wrote them. */
  text?: string;
  data?: Record<string, unknown>;
  /** Who made the change, when it came through the API. */
  by?: By;
}

/** A consent statement, kept on the timeline entry that carried it: the consent ledger. */
export interface ConsentRecord {
  granted: boolean;
  at: string;
  source: string;
  version: string;
  ip?: string;
}

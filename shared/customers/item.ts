export interface TimelineItem {
  id: string;
  at: string;
  type: string;
  summary?: string;
  data?: Record<string, unknown>;
}

/** A consent statement, kept on the timeline entry that carried it: the consent ledger. */
export interface ConsentRecord {
  granted: boolean;
  at: string;
  source: string;
  version: string;
  ip?: string;
}

import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Deps } from "../core/deps.ts";
import { newCustomerId } from "../core/ids.ts";
import { PROFILE_FIELD_NAMES } from "../core/schema.ts";
import { upsertContact } from "../customers/contact.ts";
import type { ConsentRecord } from "../customers/item.ts";
import { timelineItem } from "../customers/repository.ts";
import type { Profile } from "../entities/customer.ts";
import { scheduleDue } from "../entities/due.ts";
import { creditReferral } from "../referrals/referrals.ts";
import { tieVisitor } from "../tracking/tie.ts";
import type { LeadInput } from "./schema.ts";

/** Where a submission came from, as the HTTP layer saw it. */
export interface SubmissionContext {
  ip?: string;
  userAgent?: string;
  /** The page the form was on (Referer), without its query string. */
  page?: string;
  /** When the form was posted, for a held submission released later (shared/leads/quarantine.ts). */
  submittedAt?: string;
  /** The browser's `Origin` when it is not an allowed one: the submission is held (shared/leads/bot-protection.ts). */
  origin?: string;
}

export interface LeadResult {
  customerId: string;
  created: boolean;
  /**
   * True when it did not become a customer (honeypot filled, or held as a suspected bot): the
   * caller answers as if stored, and `customerId` is made up.
   */
  discarded: boolean;
  /** The quarantine id, when it was held for review (shared/leads/bot-protection.ts). */
  heldAs?: string;
  /** Held because the page's origin is not allowed: nothing to hide from a bot, the answer says so. */
  heldForOrigin?: boolean;
}

const ATTRIBUTION_FIELDS = ["source", "utm_source", "utm_medium", "utm_campaign"] as const;

/**
 * Turns a form submission into one customer with one more timeline entry.
 *
 * A new email creates the customer; a known one merges the non-empty fields (never wiping
 * data) and adds tags. The submission itself, its attribution and any consent statement (with
 * time, source, wording version and client IP: the consent ledger) go on the timeline entry.
 * Three round trips: claim email, merge profile, write the entry; with a referral code (`ref`),
 * a lookup of the code and, for a new contact, one transaction crediting the referrer
 * (shared/referrals/referrals.ts).
 */
export async function captureLead(deps: Deps, lead: LeadInput, context: SubmissionContext): Promise<LeadResult> {
  if (lead._gotcha) return { customerId: newCustomerId(deps.clock), created: true, discarded: true };
  const at = deps.clock.now().toISOString();
  const profile: Profile = {};
  for (const field of PROFILE_FIELD_NAMES) if (lead[field]) profile[field] = lead[field];
  const attribution: Record<string, string> = {};
  for (const field of ATTRIBUTION_FIELDS) if (lead[field]) attribution[field] = lead[field];
  if (context.page) attribution.page = context.page;
  const source = lead.source ?? context.page ?? "api";
  // A released submission's consent was given when the form was posted, not when it was released.
  const consentAt = context.submittedAt ?? at;
  const consent: ConsentRecord | undefined =
    lead.consent === undefined
      ? undefined
      : { granted: lead.consent, at: consentAt, source, version: deps.config.consentVersion, ...(context.ip ? { ip: context.ip } : {}) };

  // Double opt-in: a grant from a form waits for the emailed link; a withdrawal counts at once.
  const pending = deps.config.retention.doubleOptIn && consent?.granted ? consent : undefined;
  const immediate = pending ? undefined : consent;
  // Every new lead becomes due: the follow-up alert is a task whether or not any mail is configured
  // (shared/retention/alerts.ts); the sweep then finds the real time. What must go out soon (a
  // confirmation, a birthday) is indexed at once; otherwise the change stream writes the index
  // entry (shared/retention/due-stream.ts), which keeps a new lead at four write units.
  const { customerId, created, before } = await upsertContact(deps, {
    email: lead.email,
    profile,
    tags: lead.tags,
    consent: immediate,
    pendingConsent: pending,
    ...(lead.birthday || pending ? { dueIfNew: at } : { dueSoonIfNew: at }),
    attribution,
    at,
  });
  if (!created && ((lead.birthday && lead.birthday !== before?.birthday) || pending)) await scheduleDue(deps, customerId, at);

  const consentChanged = consent !== undefined && (before?.consentMarketing ?? false) !== consent.granted;
  const data: Record<string, unknown> = {
    created,
    fields: profile,
    ...(lead.message ? { message: lead.message } : {}),
    ...(Object.keys(attribution).length ? { attribution } : {}),
    ...(lead.tags?.length ? { tags: lead.tags } : {}),
    ...(consent ? { consent: { ...consent, changed: pending ? false : consentChanged, ...(pending ? { pending: true } : {}) } } : {}),
    ...(context.userAgent ? { userAgent: context.userAgent.slice(0, 200) } : {}),
    ...(context.submittedAt ? { submittedAt: context.submittedAt, releasedFromQuarantine: true } : {}),
  };
  const summary = created ? `Lead captured from ${source}` : `Form submitted again from ${source}`;
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: timelineItem(deps, customerId, { at, type: "form_submitted", summary, data }) }));
  // After the lead is stored: a referral that cannot be credited never costs the lead.
  if (lead.ref) await creditReferral(deps, { customerId, created, ref: lead.ref, at });
  // A form on a page with the tracking snippet: from now on that visitor's visits show on this customer.
  if (lead.visitorId) await tieVisitor(deps, lead.visitorId, customerId);
  return { customerId, created, discarded: false };
}

/**
 * Names shared by the schemas (zod) and by code that must stay free of zod because every bundle
 * carries it (the sender, the customer repository).
 */
export const STAGES = ["lead", "customer", "loyal", "advocate", "at_risk", "churned"] as const;
export type Stage = (typeof STAGES)[number];

/** Profile fields a form or an admin may set; the customer record keeps them. */
export const PROFILE_FIELD_NAMES = [
  "firstName",
  "lastName",
  "phone",
  "company",
  "street",
  "city",
  "region",
  "postalCode",
  "country",
  "birthday",
  "locale",
  "timezone",
  "linkedin",
  "twitter",
] as const;
export type ProfileFieldName = (typeof PROFILE_FIELD_NAMES)[number];

/** A campaign id: 2–63 lower-case letters, digits and dashes (it is part of send-ledger keys). */
export const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * The kinds of marketing mail a recipient can switch off one by one on the preference page,
 * instead of all or nothing. A marketing campaign names its category (offers when it names none).
 */
export const MAIL_CATEGORIES = ["newsletters", "offers", "birthday"] as const;
export type MailCategory = (typeof MAIL_CATEGORIES)[number];

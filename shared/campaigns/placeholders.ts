/* Kept apart from the zod schema so the renderer, which every sender bundle carries, needs no zod. */

/**
 * The placeholders a template may use, and what the sender fills them with. `{{name}}` or
 * `{{name|fallback}}` (the fallback shows when the value is missing or empty). The renderer
 * (shared/campaigns/render.ts) HTML-escapes every value in HTML; a PUT naming any other
 * placeholder is refused, so a typo never reaches a customer as an empty gap.
 */
export const PLACEHOLDERS = {
  firstName: "The customer's first name",
  lastName: "The customer's last name",
  fullName: "First and last name, as far as known",
  email: "The customer's email address",
  phone: "The customer's phone number",
  company: "The customer's company",
  source: "Where the lead came from (form source or utm_source)",
  businessName: "Your business's name (BUSINESS_NAME)",
  milestone: "spend_milestone: the amount reached, formatted in your currency (e.g. $500)",
  score: "low_feedback: the score the customer gave (0-10)",
  comment: "low_feedback: the customer's comment",
  scoreLinks: "The 11 signed feedback links for scores 0-10: a row of links in HTML, one line per score in text",
  unsubscribeUrl: "Signed one-click unsubscribe link (customer emails)",
  confirmUrl: "double_opt_in: signed link that confirms marketing consent",
  preferencesUrl: "Signed link to the preference page (each kind of marketing email on or off)",
  keepUrl: "sunset: signed link that keeps the customer subscribed (the re-permission email)",
  customerUrl: "Owner alerts: the customer's record in the API",
  interest: "interest: what the customer looked at on the website",
  visitToken: "For links to your site (…?rapport_c={{visitToken}}): ties the visitor to the customer",
  recommendations: "Products others who bought or viewed the same also bought, one per line",
  referralLink: "The customer's referral link, once they have one",
  perkCode: "ambassador: a one-time code from the perk pool",
} as const satisfies Record<string, string>;
export type PlaceholderName = keyof typeof PLACEHOLDERS;

/** `{{name}}` or `{{name|fallback}}`; anything between a `{{` and the next `}}` is one placeholder. */
export const PLACEHOLDER_PATTERN = /\{\{([^{}|]*)(?:\|([^{}]*))?\}\}/g;

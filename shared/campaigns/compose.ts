import type { Deps } from "../core/deps.ts";
import type { CustomerItem } from "../entities/customer.ts";
import { dashboardCustomerUrl } from "../retention/alerts.ts";
import { customerBasis, recommendProducts } from "../tracking/recommendations.ts";
import { formatAmount, pickTemplate, type RenderContext, type RenderedEmail, renderTemplate } from "./render.ts";
import type { Campaign } from "./schema.ts";

/** What a link in an email is for; each gets its own signed token (shared/email-links/tokens.ts). */
export type LinkPurpose = "unsubscribe" | "feedback" | "confirm" | "visit" | "keep";

/**
 * The token for each link: a signed one for a real send, an inert one for a preview or a test
 * (`INERT_LINKS`), so a test mail's unsubscribe or score link never changes the customer.
 */
export type LinkTokens = (purpose: LinkPurpose) => Promise<string>;

/** Tokens no link page accepts (they are not tokens at all): preview and test links show the page's "not valid" answer. */
export const INERT_LINKS: LinkTokens = async () => "preview";

export interface ComposedEmail extends RenderedEmail {
  /** The template's language (what `pickTemplate` chose for the locale). */
  language: string;
  unsubscribeUrl: string;
}

/**
 * One campaign email for one customer, as the sender sends it: the template for `locale`, every
 * placeholder from the customer's record and the settings, the links with `tokens`. The sender,
 * the preview and the test send all render with this, so a preview shows what would go out.
 *
 * @example
 * const mail = await composeEmail(deps, campaign, customer, "first", customer.locale ?? "en", INERT_LINKS);
 */
export async function composeEmail(
  deps: Deps,
  campaign: Campaign,
  customer: CustomerItem,
  occurrence: string,
  locale: string,
  tokens: LinkTokens,
): Promise<ComposedEmail> {
  const base = deps.config.publicBaseUrl;
  const retention = deps.config.retention;
  const unsubscribeToken = await tokens("unsubscribe");
  const unsubscribeUrl = `${base}/v1/unsubscribe?t=${unsubscribeToken}`;
  const template = pickTemplate(campaign, locale);
  const context: RenderContext = {
    firstName: customer.firstName,
    lastName: customer.lastName,
    fullName: [customer.firstName, customer.lastName].filter(Boolean).join(" ") || undefined,
    company: customer.company,
    phone: customer.phone,
    email: customer.email,
    businessName: retention.businessName,
    source: customer.attribution?.source,
    // The dashboard's page of the customer: the API's URL would answer a browser with a 401.
    customerUrl: dashboardCustomerUrl(base, customer.id),
    unsubscribeUrl,
    // The preference page takes the unsubscribe link's token (shared/email-links/actions.ts).
    preferencesUrl: `${base}/v1/preferences?t=${unsubscribeToken}`,
    score: customer.latestFeedbackScore === undefined ? undefined : String(customer.latestFeedbackScore),
    comment: campaign.trigger.type === "low_feedback" ? customer.lowFeedbackComment : undefined,
  };
  if (campaign.trigger.type === "spend_milestone") {
    // A preview has no occurrence: it shows the first milestone.
    const amount = Number(occurrence);
    context.milestone = formatAmount(Number.isFinite(amount) ? amount : (campaign.trigger.amounts[0] ?? 0), customer.currency, template.language);
  }
  if (campaign.trigger.type === "purchase" || template.text.includes("scoreLinks") || template.html.includes("scoreLinks")) {
    const feedback = await tokens("feedback");
    context.scoreLinks = Array.from({ length: 11 }, (_, score) => `${base}/v1/feedback?t=${feedback}&score=${score}`);
  }
  // A link to the business's site carrying this token ties the visit to the customer (website tracking).
  if (template.text.includes("visitToken") || template.html.includes("visitToken")) context.visitToken = await tokens("visit");
  if (campaign.trigger.type === "interest") context.interest = occurrence.includes("@") ? occurrence.slice(0, occurrence.lastIndexOf("@")) : occurrence;
  if (template.text.includes("recommendations") || template.html.includes("recommendations"))
    context.recommendations = (await recommendProducts(deps, customerBasis(customer), 3)).map((p) => p.name);
  if (campaign.trigger.type === "sunset" || template.text.includes("keepUrl") || template.html.includes("keepUrl"))
    context.keepUrl = `${base}/v1/keep?t=${await tokens("keep")}`;
  if (customer.referralCode) context.referralLink = `${base}/r/${customer.referralCode}`;
  // The sender claims the code before composing (shared/retention/send.ts); a preview shows the one held, if any.
  if (customer.perkCode) context.perkCode = customer.perkCode;
  if (campaign.trigger.type === "double_opt_in") context.confirmUrl = `${base}/v1/confirm?t=${await tokens("confirm")}`;
  return { ...renderTemplate(template, context, template.language), language: template.language, unsubscribeUrl };
}

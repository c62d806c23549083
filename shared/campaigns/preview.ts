import type { Deps } from "../core/deps.ts";
import { composeEmail, INERT_LINKS } from "./compose.ts";
import { type CampaignLoader, campaignAndCustomer, localeFor } from "./recipient.ts";
import type { PreviewInput } from "./schema.ts";

/**
 * A campaign as one customer would get it (`POST /v1/campaigns/{id}/preview`), and the same sent
 * to a person of the team (`POST /v1/campaigns/{id}/test`). Both render with the sender's
 * `composeEmail`, so what is previewed is what goes out; links are inert in both.
 */

/** The rendered subject, text and HTML of a campaign for one customer. NotFound for an unknown campaign or customer. */
export async function previewCampaign(deps: Deps, campaignId: string, input: PreviewInput, load?: CampaignLoader) {
  const { campaign, customer } = await campaignAndCustomer(deps, campaignId, input.customerId, load);
  const mail = await composeEmail(deps, campaign, customer, "preview", localeFor(campaign, customer, input.locale), INERT_LINKS);
  return { customerId: customer.id, language: mail.language, subject: mail.subject, text: mail.text, html: mail.html };
}

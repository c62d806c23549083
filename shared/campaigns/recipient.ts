import type { Deps } from "../core/deps.ts";
import { NotFound, ValidationError } from "../core/errors.ts";
import { getCustomerItem } from "../customers/repository.ts";
import type { CustomerItem } from "../entities/customer.ts";
import type { Campaign } from "./schema.ts";
import { getCampaign } from "./store.ts";

/** The campaign and the customer a preview or a test send is about, and the language to render in. */

/**
 * The language to render in: `locale` must be one of the campaign's templates (a 400 naming
 * `locale` otherwise: a preview in a language the campaign does not have would silently show
 * English); absent, the customer's own locale as the sender picks it (English for an alert to the owner).
 */
export function localeFor(campaign: Campaign, customer: CustomerItem, locale: string | undefined): string {
  if (locale === undefined || locale === "") return campaign.recipient === "owner" ? "en" : (customer.locale ?? "en");
  const languages = Object.keys(campaign.templates);
  if (!languages.some((l) => l.toLowerCase() === locale.toLowerCase().replace(/_/g, "-")))
    throw ValidationError.field("locale", `has no template in this campaign; its languages are ${languages.join(", ")}`);
  return locale;
}

/** Reads a campaign by id, throwing NotFound: the campaigns' store, or a newsletter's campaign. */
export type CampaignLoader = (deps: Deps, id: string) => Promise<Campaign>;

/** Both, or NotFound naming the one missing. */
export async function campaignAndCustomer(
  deps: Deps,
  campaignId: string,
  customerId: string,
  load: CampaignLoader = getCampaign,
): Promise<{ campaign: Campaign; customer: CustomerItem }> {
  const [campaign, customer] = await Promise.all([load(deps, campaignId), getCustomerItem(deps, customerId, true)]);
  if (!customer) throw new NotFound(`no customer ${customerId}`);
  return { campaign, customer };
}

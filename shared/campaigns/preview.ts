import type { Deps } from "../core/deps.ts";
import { Forbidden, NotFound, ValidationError } from "../core/errors.ts";
import type { SendQueue } from "../core/ports.ts";
import { getCustomerItem } from "../customers/repository.ts";
import type { CustomerItem } from "../entities/customer.ts";
import type { Principal } from "../http/http.ts";
import { composeEmail, INERT_LINKS } from "./compose.ts";
import { pickTemplate } from "./render.ts";
import type { Campaign, PreviewInput, TestSendInput } from "./schema.ts";
import { getCampaign } from "./store.ts";

/**
 * A campaign as one customer would get it (`POST /v1/campaigns/{id}/preview`), and the same sent
 * to a person of the team (`POST /v1/campaigns/{id}/test`). Both render with the sender's
 * `composeEmail`, so what is previewed is what goes out; links are inert in both.
 */

/**
 * The language to render in: `locale` must be one of the campaign's templates (a 400 naming
 * `locale` otherwise: a preview in a language the campaign does not have would silently show
 * English); absent, the customer's own locale as the sender picks it (English for an alert to the owner).
 */
function localeFor(campaign: Campaign, customer: CustomerItem, locale: string | undefined): string {
  if (locale === undefined || locale === "") return campaign.recipient === "owner" ? "en" : (customer.locale ?? "en");
  const languages = Object.keys(campaign.templates);
  if (!languages.some((l) => l.toLowerCase() === locale.toLowerCase().replace(/_/g, "-")))
    throw ValidationError.field("locale", `has no template in this campaign; its languages are ${languages.join(", ")}`);
  return locale;
}

async function campaignAndCustomer(deps: Deps, campaignId: string, customerId: string) {
  const [campaign, customer] = await Promise.all([getCampaign(deps, campaignId), getCustomerItem(deps, customerId, true)]);
  if (!customer) throw new NotFound(`no customer ${customerId}`);
  return { campaign, customer };
}

/** The rendered subject, text and HTML of a campaign for one customer. NotFound for an unknown campaign or customer. */
export async function previewCampaign(deps: Deps, campaignId: string, input: PreviewInput) {
  const { campaign, customer } = await campaignAndCustomer(deps, campaignId, input.customerId);
  const mail = await composeEmail(deps, campaign, customer, "preview", localeFor(campaign, customer, input.locale), INERT_LINKS);
  return { customerId: customer.id, language: mail.language, subject: mail.subject, text: mail.text, html: mail.html };
}

/**
 * Puts a test send on the send queue, for the sender to render and send through the same mailer
 * as every campaign email. It goes to `to` only when an owner or an admin key asks (so staff
 * cannot mail a customer's data to any address), otherwise to the signed-in person's own address;
 * an API key has none, so it must name `to`.
 *
 * @param personEmail the address of a signed-in person (their entry in the people directory).
 */
export async function queueTestSend(
  deps: Deps,
  queue: SendQueue,
  campaignId: string,
  input: TestSendInput,
  principal: Principal,
  personEmail: (id: string) => Promise<string | undefined>,
): Promise<{ queued: true; to: string; language: string }> {
  const { campaign, customer } = await campaignAndCustomer(deps, campaignId, input.customerId);
  const locale = localeFor(campaign, customer, input.locale);
  let to = input.to;
  if (to !== undefined && !principal.scopes.split(" ").includes("admin"))
    throw new Forbidden("only an owner may send a test to another address; leave out `to` to send it to yourself");
  if (to === undefined) {
    if (principal.type === "key") throw ValidationError.field("to", "is required: an API key has no email address of its own");
    to = await personEmail(principal.id);
    if (!to) throw ValidationError.field("to", "is required: your entry in the team has no email address");
  }
  await queue.enqueue([{ customerId: customer.id, campaignId: campaign.id, occurrence: "test", dueAt: deps.clock.now().toISOString(), test: { to, locale } }]);
  return { queued: true, to, language: pickTemplate(campaign, locale).language };
}

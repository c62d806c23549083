import type { Deps } from "../core/deps.ts";
import { Forbidden, ValidationError } from "../core/errors.ts";
import type { SendQueue } from "../core/ports.ts";
import type { Principal } from "../http/http.ts";
import { type CampaignLoader, campaignAndCustomer, localeFor } from "./recipient.ts";
import { pickTemplate } from "./render.ts";
import type { TestSendInput } from "./schema.ts";

/**
 * Puts a test send on the send queue, for the sender to render and send through the same mailer
 * as every campaign email. It goes to `to` only when an owner or an admin key asks (so staff
 * cannot mail a customer's data to any address), otherwise to the signed-in person's own address;
 * an API key has none, so it must name `to`.
 *
 * @param personEmail the address of a signed-in person (their entry in the people directory).
 * @param load reads the campaign (a newsletter passes its own).
 */
export async function queueTestSend(
  deps: Deps,
  queue: SendQueue,
  campaignId: string,
  input: TestSendInput,
  principal: Principal,
  personEmail: (id: string) => Promise<string | undefined>,
  load?: CampaignLoader,
): Promise<{ queued: true; to: string; language: string }> {
  const { campaign, customer } = await campaignAndCustomer(deps, campaignId, input.customerId, load);
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

import { api } from "../api.ts";
import { h, replace } from "../dom.ts";
import { apiForm } from "../forms.ts";
import type { PageContext } from "../ui.ts";
import { pageHeading, section } from "../ui.ts";

const FIELDS: [string, string, string?][] = [
  ["email", "Email", "email"],
  ["firstName", "First name"],
  ["lastName", "Last name"],
  ["phone", "Phone", "tel"],
  ["company", "Company"],
  ["city", "City"],
  ["country", "Country"],
  ["birthday", "Birthday", "date"],
  ["tags", "Tags (separated by commas)"],
];

/**
 * Adding a contact by hand (met at a fair, called in): the same `POST /v1/leads` a web form uses, so
 * the same address is never two contacts (a known address merges into its customer), with the
 * source "dashboard". Marketing consent is recorded only when the person gave it.
 */
export async function contactNewPage(ctx: PageContext): Promise<void> {
  ctx.title("Add a contact");
  const inputs = FIELDS.map(([name, , type]) => [name, h("input", { type: type ?? "text", autocomplete: "off" })] as const);
  const consent = h("input", { type: "checkbox" });
  const message = h("textarea", { rows: 3, maxlength: 5000 });
  const form = apiForm("contact", "Add the contact", async () => {
    const body: Record<string, unknown> = { source: "dashboard" };
    for (const [name, input] of inputs) if (input.value.trim()) body[name] = input.value.trim();
    if (message.value.trim()) body.message = message.value.trim();
    if (consent.checked) body.consent = "yes";
    const answer = await api<{ customerId: string; created: boolean }>("/v1/leads", { method: "POST", body });
    location.hash = `#/customers/${encodeURIComponent(answer.customerId)}`;
    return answer.created ? "Contact added." : "That address was already a customer: the details were added to them.";
  });
  form.append(
    ...inputs.map(([name, input]) => form.field(name, FIELDS.find(([n]) => n === name)![1], input, name === "email" ? "Required" : undefined)),
    form.field("message", "Note (what they asked about)", message),
    form.field("consent", "They agreed to receive marketing email", consent),
  );
  replace(
    ctx.main,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/customers" }, "Customers")),
    pageHeading("Add a contact"),
    section("Contact details", {}, form.element),
  );
}

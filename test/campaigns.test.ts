import { describe, expect, it } from "vitest";
import { DEFAULT_CAMPAIGNS } from "../shared/campaigns/defaults.ts";
import { formatAmount, pickTemplate, renderTemplate } from "../shared/campaigns/render.ts";
import type { CampaignInput, Template } from "../shared/campaigns/schema.ts";
import { CampaignInput as CampaignInputSchema, PLACEHOLDERS } from "../shared/campaigns/schema.ts";
import { useStack } from "./support/stack.ts";

const stack = useStack();

const DEFAULT_IDS = ["birthday", "consent-confirmation", "detractor-alert", "feedback-request", "lead-follow-up", "spend-milestone", "thank-you", "win-back"];
const LANGUAGES = ["en", "zh", "nb", "id"];

/** A complete, valid definition to vary in the bad-input cases. */
function definition(overrides: Partial<Record<keyof CampaignInput, unknown>> = {}): Record<string, unknown> {
  return {
    name: "Spring sale",
    description: "Tells tagged customers about the spring sale.",
    enabled: true,
    kind: "marketing",
    recipient: "customer",
    trigger: { type: "purchase", delayDays: 30 },
    audience: { stages: ["customer", "loyal"], tags: ["newsletter"] },
    minDaysBetween: 60,
    templates: {
      en: { subject: "Spring is here, {{firstName|friend}}", text: "Hi {{firstName|there}}!\n\nUnsubscribe: {{unsubscribeUrl}}", html: '<p>Hi {{firstName|there}}!</p><p><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>' },
      "pt-BR": { subject: "Chegou a primavera", text: "Olá {{firstName|}}!", html: "<p>Olá {{firstName|}}!</p>" },
    },
    ...overrides,
  };
}

const admin = (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => stack.api(path, { ...init, key: stack.adminKey });
const put = (id: string, body: unknown) => admin(`/v1/campaigns/${id}`, { method: "PUT", body });

describe("GET /v1/campaigns", () => {
  it("a fresh stack lists the eight shipped defaults, sorted by id, each with en, zh, nb and id templates", async () => {
    const res = await admin("/v1/campaigns");
    expect(res.status).toBe(200);
    const items = res.body.items as { id: string; isDefault: boolean; enabled: boolean; templates: Record<string, Template> }[];
    expect(items.map((c) => c.id)).toEqual(DEFAULT_IDS);
    for (const campaign of items) {
      expect(campaign.isDefault, campaign.id).toBe(true);
      expect(campaign.enabled, campaign.id).toBe(true);
      for (const language of LANGUAGES) {
        const template = campaign.templates[language];
        expect(template, `${campaign.id} ${language}`).toBeDefined();
        expect(template!.subject.length * template!.text.length * template!.html.length, `${campaign.id} ${language}`).toBeGreaterThan(0);
      }
    }
  });
});

describe("GET /v1/campaigns/{id}", () => {
  it("returns one default with its trigger, repeat rule and audience", async () => {
    const res = await admin("/v1/campaigns/feedback-request");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: "feedback-request",
      isDefault: true,
      kind: "transactional",
      recipient: "customer",
      trigger: { type: "purchase", delayDays: 7 },
      minDaysBetween: 90,
    });
    expect(res.body.templates.en.html).toContain("{{scoreLinks}}");
    expect(res.body.updatedAt).toBeUndefined();
  });

  it("404 for an unknown id, 400 naming id for a malformed one", async () => {
    const missing = await admin("/v1/campaigns/no-such-campaign");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("not_found");
    const bad = await admin("/v1/campaigns/Not_An_Id");
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field)).toEqual(["id"]);
  });
});

describe("PUT /v1/campaigns/{id}", () => {
  it("editing a default stores an edited copy that GET and the list show from then on", async () => {
    const shipped = (await admin("/v1/campaigns/birthday")).body;
    const edited = { ...shipped, enabled: false, templates: { ...shipped.templates, en: { ...shipped.templates.en, subject: "Many happy returns, {{firstName|friend}}!" } } };

    // The body is what GET returned (id, isDefault included): a read-modify-write round trip works.
    const saved = await put("birthday", edited);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ id: "birthday", isDefault: true, enabled: false, trigger: { type: "birthday", localTime: "10:00" } });
    expect(saved.body.templates.en.subject).toBe("Many happy returns, {{firstName|friend}}!");
    expect(saved.body.templates.zh.subject).toBe(shipped.templates.zh.subject);
    expect(Date.parse(saved.body.updatedAt)).not.toBeNaN();
    expect(saved.body.updatedBy).toMatch(/\S/);

    const got = await admin("/v1/campaigns/birthday");
    expect(got.body).toEqual(saved.body);

    const list = (await admin("/v1/campaigns")).body.items as { id: string; enabled: boolean; templates: Record<string, Template> }[];
    expect(list.filter((c) => c.id === "birthday")).toHaveLength(1);
    const listed = list.find((c) => c.id === "birthday")!;
    expect(listed.enabled).toBe(false);
    expect(listed.templates.en!.subject).toBe("Many happy returns, {{firstName|friend}}!");
    expect(list.find((c) => c.id === "thank-you")!.enabled).toBe(true);
  });

  it("creates a new campaign, listed in id order among the defaults", async () => {
    const created = await put("spring-sale", definition());
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ id: "spring-sale", isDefault: false, name: "Spring sale", trigger: { type: "purchase", delayDays: 30 } });
    expect(Object.keys(created.body.templates).sort()).toEqual(["en", "pt-BR"]);

    expect((await admin("/v1/campaigns/spring-sale")).body).toEqual(created.body);
    const ids = (await admin("/v1/campaigns")).body.items.map((c: { id: string }) => c.id);
    expect(ids).toEqual([...DEFAULT_IDS, "spring-sale"].sort());
  });

  it("replaces the whole definition: fields left out of a second PUT are gone", async () => {
    await put("replace-me", definition());
    const second = await put("replace-me", definition({ description: undefined, audience: {} }));
    expect(second.status).toBe(200);
    expect(second.body.description).toBeUndefined();
    expect(second.body.audience).toEqual({});
  });

  it("accepts a definition larger than the 16 KiB form limit", async () => {
    const html = `<p>${"A long, carefully written paragraph. ".repeat(1000)}</p>`;
    const res = await put("long-letter", definition({ templates: { en: { subject: "Long", text: "Long", html } } }));
    expect(res.status).toBe(200);
    expect(res.body.templates.en.html).toBe(html);
  });

  const badCases: [string, Record<string, unknown>, string][] = [
    ["a negative delay", definition({ trigger: { type: "purchase", delayDays: -1 } }), "trigger.delayDays"],
    ["a missing delay", definition({ trigger: { type: "purchase" } }), "trigger.delayDays"],
    ["an unknown trigger type", definition({ trigger: { type: "full_moon" } }), "trigger.type"],
    ["a birthday time that is not HH:MM", definition({ trigger: { type: "birthday", localTime: "25:00" } }), "trigger.localTime"],
    ["no spend milestone amounts", definition({ trigger: { type: "spend_milestone", amounts: [] } }), "trigger.amounts"],
    ["an empty English subject", definition({ templates: { en: { subject: " ", text: "t", html: "<p>h</p>" } } }), "templates.en.subject"],
    ["no English template", definition({ templates: { nb: { subject: "Hei", text: "Hei", html: "<p>Hei</p>" } } }), "templates"],
    ["a template without html", definition({ templates: { en: { subject: "s", text: "t" } } }), "templates.en.html"],
    ["a language key that is not a tag", definition({ templates: { en: { subject: "s", text: "t", html: "h" }, Norsk: { subject: "s", text: "t", html: "h" } } }), "templates.Norsk"],
    ["an unknown placeholder", definition({ templates: { en: { subject: "Hi {{fristName}}", text: "t", html: "h" } } }), "templates.en.subject"],
    ["an unclosed placeholder", definition({ templates: { en: { subject: "s", text: "Hi {{firstName", html: "h" } } }), "templates.en.text"],
    ["an unknown kind", definition({ kind: "newsletter" }), "kind"],
    ["an unknown stage", definition({ audience: { stages: ["vip"] } }), "audience.stages.0"],
    ["a fractional repeat rule", definition({ minDaysBetween: 1.5 }), "minDaysBetween"],
    ["no name", definition({ name: undefined }), "name"],
  ];
  it.each(badCases)("refuses %s with a 400 naming the field, and stores nothing", async (_label, body, field) => {
    const res = await put("bad-one", body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("validation");
    const fields = res.body.fields as { field: string; message: string }[];
    expect(fields.map((f) => f.field)).toContain(field);
    expect(fields.every((f) => f.message && f.message !== "Invalid input")).toBe(true);
    expect((await admin("/v1/campaigns/bad-one")).status).toBe(404);
  });

  it("refuses a body that is not a JSON object, and a malformed id", async () => {
    const notJson = await admin("/v1/campaigns/bad-two", { method: "PUT", body: "{nope", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.fields[0].field).toBe("body");
    const badId = await put("-starts-with-dash", definition());
    expect(badId.status).toBe(400);
    expect(badId.body.fields.map((f: { field: string }) => f.field)).toEqual(["id"]);
  });
});

describe("the campaign routes need an admin key", () => {
  const calls: [string, string, unknown?][] = [
    ["GET", "/v1/campaigns"],
    ["GET", "/v1/campaigns/thank-you"],
    ["PUT", "/v1/campaigns/thank-you", definition()],
  ];
  it.each(calls)("%s %s: 401 without a key, 403 with a leads:write key, and nothing changes", async (method, path, body) => {
    const anonymous = await stack.api(path, { method, body });
    expect(anonymous.status).toBe(401);
    const wrongScope = await stack.api(path, { method, body, key: stack.leadsKey });
    expect(wrongScope.status).toBe(403);
    expect((await admin("/v1/campaigns/thank-you")).body.name).toBe("Thank you after the first purchase");
  });
});

describe("pickTemplate", () => {
  const campaign = {
    templates: Object.fromEntries(["en", "pt", "pt-BR", "nb", "zh", "id"].map((tag) => [tag, { subject: tag, text: tag, html: tag }])),
  };
  const picked = (locale: string | undefined) => pickTemplate(campaign, locale).language;

  it("takes the exact tag, then its language, then English", () => {
    expect(picked("pt-BR")).toBe("pt-BR");
    expect(picked("pt-PT")).toBe("pt");
    expect(picked("pt")).toBe("pt");
    expect(picked("fr-CA")).toBe("en");
    expect(picked(undefined)).toBe("en");
    expect(picked("")).toBe("en");
  });

  it("maps regional and script tags to the language: nb-NO → nb, zh-Hans-CN and zh-CN → zh, id-ID → id", () => {
    expect(picked("nb-NO")).toBe("nb");
    expect(picked("zh-Hans-CN")).toBe("zh");
    expect(picked("zh-CN")).toBe("zh");
    expect(picked("id-ID")).toBe("id");
  });

  it("ignores case and accepts underscores", () => {
    expect(picked("PT-br")).toBe("pt-BR");
    expect(picked("pt_BR")).toBe("pt-BR");
    expect(picked("NB")).toBe("nb");
  });

  it("returns the template itself, with the tag it was stored under", () => {
    expect(pickTemplate(campaign, "pt-br")).toEqual({ subject: "pt-BR", text: "pt-BR", html: "pt-BR", language: "pt-BR" });
  });
});

describe("renderTemplate", () => {
  const template = (subject: string, text = subject, html = subject): Template => ({ subject, text, html });

  it("fills placeholders, and uses the fallback when a value is missing, empty or blank", () => {
    const t = template("Hi {{firstName|there}}", "Hi {{firstName|there}}", "<p>Hi {{ firstName | there }}</p>");
    expect(renderTemplate(t, { firstName: "Ana" }, "en")).toMatchObject({ subject: "Hi Ana", text: "Hi Ana" });
    expect(renderTemplate(t, { firstName: "Ana" }, "en").html).toContain("<p>Hi Ana</p>");
    for (const firstName of [undefined, "", "   "]) {
      const out = renderTemplate(t, { firstName }, "en");
      expect(out.subject).toBe("Hi there");
      expect(out.text).toBe("Hi there");
      expect(out.html).toContain("<p>Hi there</p>");
    }
  });

  it("opens every link in a new tab, so a mail read inside a web page never opens a link in its frame", () => {
    const out = renderTemplate(template("s", "t", '<a href="https://example.com/y" target="_self">Y</a>'), {}, "en").html;
    const head = out.slice(0, out.indexOf("</head>"));
    expect(head).toContain('<base target="_blank">');
    expect(out).toContain('<a href="https://example.com/y" target="_self">Y</a>');
  });

  it("renders an unknown placeholder as its fallback or nothing, never as braces", () => {
    const out = renderTemplate(template("A{{nope}}B{{nope|C}}D", "A{{nope}}B{{nope|C}}D", "A{{nope}}B{{nope|C}}D"), {}, "en");
    expect(out.subject).toBe("ABCD");
    expect(out.text).toBe("ABCD");
    expect(out.html).toContain("ABCD");
  });

  it("escapes every value in HTML and leaves text as it is", () => {
    const t = template("{{firstName}} from {{company}}", "{{firstName}} from {{company}} says {{comment}}", "<p>{{firstName}} from {{company}} says {{comment}}</p>");
    const context = { firstName: "<script>alert(1)</script>", company: "O'Brien & Co", comment: 'I said "hi"' };
    const out = renderTemplate(t, context, "en");
    expect(out.html).toContain("<p>&lt;script&gt;alert(1)&lt;/script&gt; from O&#39;Brien &amp; Co says I said &quot;hi&quot;</p>");
    expect(out.html).not.toContain("<script>");
    expect(out.text).toBe(`<script>alert(1)</script> from O'Brien & Co says I said "hi"`);
    expect(out.subject).toBe("<script>alert(1)</script> from O'Brien & Co");
  });

  it("does not expand placeholders inside values", () => {
    const out = renderTemplate(template("{{firstName}} {{email}}"), { firstName: "{{email}}", email: "a@example.com" }, "en");
    expect(out.subject).toBe("{{email}} a@example.com");
  });

  it("strips CR and LF from the subject, so a value cannot add a header", () => {
    const out = renderTemplate(template("Hello {{firstName}}", "Hello {{firstName}}"), { firstName: "Ann\r\nBcc: victim@example.com\n" }, "en");
    expect(out.subject).toBe("Hello Ann Bcc: victim@example.com");
    expect(out.subject).not.toMatch(/[\r\n]/);
    expect(out.text).toBe("Hello Ann\r\nBcc: victim@example.com\n");
  });

  it("escapes URLs inside attributes and refuses non-http links", () => {
    const t = template("s", "Unsubscribe: {{unsubscribeUrl}}", '<a href="{{unsubscribeUrl}}">Unsubscribe</a> <a href="{{confirmUrl|#}}">Confirm</a>');
    const out = renderTemplate(t, { unsubscribeUrl: 'https://x.test/u?t=a&b="c"', confirmUrl: "javascript:alert(1)" }, "en");
    expect(out.html).toContain('<a href="https://x.test/u?t=a&amp;b=&quot;c&quot;">Unsubscribe</a>');
    expect(out.html).toContain('<a href="#">Confirm</a>');
    expect(out.html).not.toContain("javascript:");
    expect(out.text).toBe('Unsubscribe: https://x.test/u?t=a&b="c"');
  });

  it("makes a complete HTML document in the template's language", () => {
    const out = renderTemplate(template("Hei {{firstName}}", "t", "<p>Hei</p>"), { firstName: "<Kari>" }, "nb");
    expect(out.html).toMatch(/^<!doctype html>\n<html lang="nb" dir="ltr">/);
    expect(out.html).toContain('<meta charset="utf-8">');
    expect(out.html).toContain("<title>Hei &lt;Kari&gt;</title>");
    expect(out.html.trimEnd().endsWith("</html>")).toBe(true);
    const picked = pickTemplate({ templates: { en: template("Hi"), nb: template("Hei") } }, "nb-NO");
    expect(renderTemplate(picked, {}, "nb-NO").html).toContain('<html lang="nb"');
    expect(renderTemplate(template("x"), {}, '"><script>').html).toContain('<html lang="en"');
  });

  const scoreLinks = Array.from({ length: 11 }, (_, n) => `https://x.test/v1/feedback?t=tok&score=${n}`);

  it("turns {{scoreLinks}} into 11 accessible links in HTML", () => {
    const out = renderTemplate(template("s", "{{scoreLinks}}", "{{scoreLinks}}"), { scoreLinks }, "en");
    const links = [...out.html.matchAll(/<a href="([^"]*)" aria-label="([^"]*)"[^>]*>(\d+)<\/a>/g)];
    expect(links).toHaveLength(11);
    links.forEach(([, href, label, text], n) => {
      expect(href).toBe(`https://x.test/v1/feedback?t=tok&amp;score=${n}`);
      expect(label).toBe(`Score ${n} of 10`);
      expect(text).toBe(String(n));
    });
    expect(renderTemplate(template("s", "s", "{{scoreLinks}}"), { scoreLinks }, "id").html).toContain('aria-label="Skor 7 dari 10"');
  });

  it("turns {{scoreLinks}} into one line per score in text", () => {
    const out = renderTemplate(template("s", "Pick one:\n{{scoreLinks}}"), { scoreLinks }, "en");
    const lines = out.text.split("\n");
    expect(lines[0]).toBe("Pick one:");
    expect(lines.slice(1)).toEqual(scoreLinks.map((url, n) => `${n} — ${url}`));
    expect(lines[8]).toBe("7 — https://x.test/v1/feedback?t=tok&score=7");
  });
});

describe("the shipped templates", () => {
  const fullContext = {
    firstName: "Ana",
    lastName: "O'Brien",
    fullName: "Ana O'Brien",
    email: "ana@example.com",
    phone: "+47 123 45 678",
    company: "Brien & Co",
    source: "website",
    businessName: "Corner Café",
    milestone: "$500",
    score: "4",
    comment: "Late delivery.\nStill waiting.",
    scoreLinks: Array.from({ length: 11 }, (_, n) => `https://x.test/f?score=${n}`),
    unsubscribeUrl: "https://x.test/u?t=1",
    confirmUrl: "https://x.test/c?t=1",
    customerUrl: "https://x.test/v1/customers/cus_1",
  };

  it("are valid definitions and use only documented placeholders", () => {
    for (const { id: _id, isDefault: _d, ...input } of DEFAULT_CAMPAIGNS) {
      const result = CampaignInputSchema.safeParse(input);
      expect(result.success, `${_id}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
    }
    expect(Object.keys(PLACEHOLDERS)).toContain("scoreLinks");
  });

  it("leave no raw braces in any language, with an empty context or a full one", () => {
    for (const campaign of DEFAULT_CAMPAIGNS) {
      for (const language of LANGUAGES) {
        for (const context of [{}, fullContext]) {
          const out = renderTemplate(pickTemplate(campaign, language), context, language);
          for (const [part, value] of Object.entries(out)) {
            expect(value, `${campaign.id} ${language} ${part}`).not.toMatch(/\{\{|\}\}/);
            expect(value.trim().length, `${campaign.id} ${language} ${part}`).toBeGreaterThan(0);
          }
          expect(out.html).toContain(`<html lang="${language}"`);
          expect(out.html, `${campaign.id} ${language}`).not.toMatch(/<img|<script|<iframe|\son\w+=/i);
        }
      }
    }
  });

  it("end every marketing email with an unsubscribe link, and the feedback request carries the score links", () => {
    for (const campaign of DEFAULT_CAMPAIGNS.filter((c) => c.kind === "marketing")) {
      for (const language of LANGUAGES) {
        const out = renderTemplate(pickTemplate(campaign, language), fullContext, language);
        expect(out.text.trimEnd().endsWith(fullContext.unsubscribeUrl), `${campaign.id} ${language}`).toBe(true);
        expect(out.html).toContain(`href="${fullContext.unsubscribeUrl}"`);
      }
    }
    const feedback = DEFAULT_CAMPAIGNS.find((c) => c.id === "feedback-request")!;
    for (const language of LANGUAGES) {
      const out = renderTemplate(pickTemplate(feedback, language), fullContext, language);
      expect(out.html.match(/aria-label="[^"]*10[^"]*"/g), language).toHaveLength(11);
      expect(out.text).toContain("10 — https://x.test/f?score=10");
    }
  });

  it("put the facts where the campaign needs them", () => {
    const render = (id: string, language = "en") => renderTemplate(pickTemplate(DEFAULT_CAMPAIGNS.find((c) => c.id === id)!, language), fullContext, language);
    for (const language of LANGUAGES) {
      expect(render("spend-milestone", language).text).toContain("$500");
      expect(render("consent-confirmation", language).html).toContain('href="https://x.test/c?t=1"');
      const lead = render("lead-follow-up", language);
      for (const fact of ["Ana O'Brien", "ana@example.com", "Brien & Co", "website", fullContext.customerUrl]) expect(lead.text).toContain(fact);
      expect(lead.html).toContain("Brien &amp; Co");
      const detractor = render("detractor-alert", language);
      expect(detractor.subject).toContain("4");
      expect(detractor.text).toContain("Late delivery.\nStill waiting.");
      expect(detractor.html).toContain("Late delivery.\nStill waiting.");
    }
  });
});

describe("formatAmount", () => {
  it("formats a milestone in the customer's language, without decimals for whole amounts", () => {
    expect(formatAmount(500, "USD", "en")).toBe("$500");
    expect(formatAmount(1000, "EUR", "en")).toBe("€1,000");
    expect(formatAmount(12.5, "USD", "en")).toBe("$12.50");
    expect(formatAmount(250, "USD", "not a locale")).toBe("$250");
  });
});

import { describe, expect, it } from "vitest";
import { DEFAULT_CAMPAIGNS } from "../../shared/campaigns/defaults.ts";
import { formatAmount, pickTemplate, renderTemplate } from "../../shared/campaigns/render.ts";
import type { Template } from "../../shared/campaigns/schema.ts";
import { CampaignInput as CampaignInputSchema, PLACEHOLDERS } from "../../shared/campaigns/schema.ts";

const LANGUAGES = ["en", "zh", "nb", "id"];

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
    const t = template(
      "{{firstName}} from {{company}}",
      "{{firstName}} from {{company}} says {{comment}}",
      "<p>{{firstName}} from {{company}} says {{comment}}</p>",
    );
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

import { describe, expect, it } from "vitest";
import type { CampaignInput, Template } from "../shared/campaigns/schema.ts";
import { useStack } from "./support/stack.ts";

const stack = useStack();

const DEFAULT_IDS = [
  "ambassador-reward",
  "birthday",
  "consent-confirmation",
  "detractor-alert",
  "feedback-request",
  "interest-nudge",
  "lead-follow-up",
  "opens-no-clicks",
  "spend-milestone",
  "sunset-repermission",
  "thank-you",
  "win-back",
];
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
      en: {
        subject: "Spring is here, {{firstName|friend}}",
        text: "Hi {{firstName|there}}!\n\nUnsubscribe: {{unsubscribeUrl}}",
        html: '<p>Hi {{firstName|there}}!</p><p><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
      },
      "pt-BR": { subject: "Chegou a primavera", text: "Olá {{firstName|}}!", html: "<p>Olá {{firstName|}}!</p>" },
    },
    ...overrides,
  };
}

const admin = (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  stack.api(path, { ...init, key: stack.adminKey });
const put = (id: string, body: unknown) => admin(`/v1/campaigns/${id}`, { method: "PUT", body });

describe("GET /v1/campaigns", () => {
  it("a fresh stack lists the twelve shipped defaults, sorted by id, each with en, zh, nb and id templates", async () => {
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
    const edited = {
      ...shipped,
      enabled: false,
      templates: { ...shipped.templates, en: { ...shipped.templates.en, subject: "Many happy returns, {{firstName|friend}}!" } },
    };

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
    [
      "a language key that is not a tag",
      definition({ templates: { en: { subject: "s", text: "t", html: "h" }, Norsk: { subject: "s", text: "t", html: "h" } } }),
      "templates.Norsk",
    ],
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

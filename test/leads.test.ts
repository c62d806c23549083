import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useStack } from "./support/stack.ts";

const stack = useStack({ allowedOrigins: ["https://shop.example.com"] });

async function postForm(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}/v1/leads`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  return { status: res.status, location: res.headers.get("location"), text: await res.text(), headers: res.headers };
}

async function customerByEmail(email: string) {
  const res = await stack.api(`/v1/customers?email=${encodeURIComponent(email)}`, { key: stack.adminKey });
  expect(res.status).toBe(200);
  return res.body.items as { id: string }[];
}

async function fullTimeline(id: string) {
  const items: { type: string; data?: Record<string, any> }[] = [];
  let cursor: string | null = null;
  do {
    const res = await stack.api(`/v1/customers/${id}/timeline?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { key: stack.adminKey });
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

describe("POST /v1/leads with JSON", () => {
  it("without a credential, a new and a known email get the same answer, so nobody learns who is a customer", async () => {
    const known = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "known.person@example.com", firstName: "Kari" } });
    expect(known.status).toBe(201);

    const again = await stack.api("/v1/leads", { body: { email: "known.person@example.com", city: "Oslo" } });
    const fresh = await stack.api("/v1/leads", { body: { email: "never.seen@example.com" } });
    expect([again.status, again.body]).toEqual([202, { accepted: true }]);
    expect([fresh.status, fresh.body]).toEqual([202, { accepted: true }]);
    expect(again.headers.get("content-length")).toBe(fresh.headers.get("content-length"));

    // Both were stored all the same: the known one merged, the new one created.
    const view = await stack.api(`/v1/customers/${known.body.customerId}`, { key: stack.adminKey });
    expect(view.body.profile).toMatchObject({ firstName: "Kari", city: "Oslo" });
    expect(await customerByEmail("never.seen@example.com")).toHaveLength(1);
  });

  it("a bad or revoked credential is a stranger too: it gets the public answer, never the id", async () => {
    const res = await stack.api("/v1/leads", { key: "rk_not_a_real_key_000000000000", body: { email: "bad.key@example.com" } });
    expect([res.status, res.body]).toEqual([202, { accepted: true }]);
  });

  it("with a key, a new email answers 201 with the customer id; the same email again answers 200 and merges", async () => {
    const first = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "grace@example.com", firstName: "Grace", company: "Navy" } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ customerId: expect.stringMatching(/^cus_[0-9A-Z]{26}$/), created: true });

    const again = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "GRACE@example.com", lastName: "Hopper", company: "" } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ customerId: first.body.customerId, created: false });

    const view = await stack.api(`/v1/customers/${first.body.customerId}`, { key: stack.adminKey });
    expect(view.body.profile).toEqual({ firstName: "Grace", lastName: "Hopper", company: "Navy" });
    expect(view.body.recentTimeline.map((e: { type: string }) => e.type)).toEqual(["form_submitted", "form_submitted"]);
  });

  it("a repeat submission merges new fields and keeps old ones, and adds tags without losing any", async () => {
    const a = await stack.api("/v1/leads", {
      key: stack.leadsKey,
      body: { email: "merge@example.com", firstName: "Ann", phone: "+47 912 34 567", tags: "webinar, pricing" },
    });
    await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "merge@example.com", city: "Bergen", tags: ["newsletter", "pricing"] } });
    const view = await stack.api(`/v1/customers/${a.body.customerId}`, { key: stack.adminKey });
    expect(view.body.profile).toEqual({ firstName: "Ann", phone: "+47 912 34 567", city: "Bergen" });
    expect(view.body.tags).toEqual(["newsletter", "pricing", "webinar"]);
  });

  it("stores source and UTM attribution with each submission and keeps first-touch attribution on the record", async () => {
    const first = await stack.api("/v1/leads", {
      key: stack.leadsKey,
      body: { email: "utm@example.com", source: "pricing-page", utm_source: "google", utm_medium: "cpc", utm_campaign: "spring" },
      headers: { referer: "https://shop.example.com/pricing?ref=1" },
    });
    await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "utm@example.com", utm_source: "newsletter" } });
    const view = await stack.api(`/v1/customers/${first.body.customerId}`, { key: stack.adminKey });
    expect(view.body.attribution).toEqual({
      source: "pricing-page",
      utm_source: "google",
      utm_medium: "cpc",
      utm_campaign: "spring",
      page: "https://shop.example.com/pricing",
    });
    const [latest, earliest] = view.body.recentTimeline;
    expect(latest.data.attribution).toEqual({ utm_source: "newsletter" });
    expect(earliest.data.attribution.utm_campaign).toBe("spring");
  });

  it("records consent as a ledger entry with time, source, wording version and client IP", async () => {
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "consent@example.com", consent: "yes", source: "footer-form" } });
    const view = await stack.api(`/v1/customers/${res.body.customerId}`, { key: stack.adminKey });
    expect(view.body.consent).toMatchObject({ marketing: true, version: "v1", source: "footer-form" });
    const entry = view.body.recentTimeline[0];
    expect(entry.data.consent).toEqual({ granted: true, changed: true, at: entry.at, source: "footer-form", version: "v1", ip: "127.0.0.1" });

    await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "consent@example.com", consent: false, source: "preferences" } });
    const after = await stack.api(`/v1/customers/${res.body.customerId}`, { key: stack.adminKey });
    expect(after.body.consent).toMatchObject({ marketing: false, source: "preferences" });
    expect(after.body.recentTimeline[0].data.consent).toMatchObject({ granted: false, changed: true, source: "preferences" });
  });

  it("a form without a consent field leaves earlier consent alone", async () => {
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "keeps@example.com", consent: true } });
    await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "keeps@example.com", firstName: "Kim" } });
    const view = await stack.api(`/v1/customers/${res.body.customerId}`, { key: stack.adminKey });
    expect(view.body.consent.marketing).toBe(true);
  });
});

describe("POST /v1/leads from a browser form", () => {
  it("a url-encoded post without Accept: application/json is redirected (303) to the thank-you page", async () => {
    const res = await postForm({ email: "form@example.com", firstName: "Form" });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`${stack.url}/v1/thanks`);
    const page = await fetch(res.location!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Thank you");
    expect(await customerByEmail("form@example.com")).toHaveLength(1);
  });

  it("redirects to _next when it is on an allowed origin", async () => {
    const res = await postForm({ email: "next@example.com", _next: "https://shop.example.com/thanks?x=1" });
    expect(res.status).toBe(303);
    expect(res.location).toBe("https://shop.example.com/thanks?x=1");
  });

  it("an unusable _next (another origin, another scheme, a placeholder) stores the lead and sends the browser to the thank-you page, never to _next", async () => {
    const bad = [
      "https://evil.example.net/",
      "javascript:alert(1)",
      "https://www.example.com/thanks",
      "/thanks",
      `https://shop.example.com/${"x".repeat(2100)}`,
    ];
    for (const [i, next] of bad.entries()) {
      const page = await postForm({ email: `bad-next-${i}@example.com`, _next: next });
      expect(page.status, next).toBe(303);
      expect(page.location, next).toBe(`${stack.url}/v1/thanks`);
      expect(await customerByEmail(`bad-next-${i}@example.com`), next).toHaveLength(1);
    }
    // A JSON caller is never redirected: _next means nothing to it.
    const json = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "evil@example.com", _next: "https://evil.example.net/" } });
    expect(json.status).toBe(201);
    expect(json.headers.get("location")).toBeNull();
    expect(await customerByEmail("evil@example.com")).toHaveLength(1);
  });

  it("the README's embeddable form works as pasted: the lead is stored and the visitor gets the thank-you page", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## An embeddable HTML form"));
    const form = /```html\n([\s\S]*?)```/.exec(section)![1]!.replace(/<!--[\s\S]*?-->/g, "");
    const fields: Record<string, string> = {};
    for (const input of form.match(/<(?:input|textarea)\b[^>]*>/g) ?? []) {
      const name = /\bname="([^"]*)"/.exec(input)?.[1];
      if (!name) continue;
      if (/type="checkbox"/.test(input)) continue; // unticked: not posted
      fields[name] = /\bvalue="([^"]*)"/.exec(input)?.[1] ?? "";
    }
    // What the visitor types, and what the inline script stamps.
    Object.assign(fields, { email: "pasted@example.com", firstName: "Paste", _ts: String(Date.now() - 10_000) });
    const page = await postForm(fields, { origin: "https://shop.example.com", referer: "https://shop.example.com/contact" });
    expect(page.status).toBe(303);
    expect(page.location).toBe(`${stack.url}/v1/thanks`);
    expect(await customerByEmail("pasted@example.com")).toHaveLength(1);
  });

  it("a bad browser form gets a page that says what to fix", async () => {
    const res = await postForm({ email: "not-an-email", birthday: "1990-02-30" }, { referer: "https://shop.example.com/contact" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toContain("email");
    expect(res.text).toContain("birthday");
    expect(res.text).toContain('href="https://shop.example.com/contact"');
  });

  it("accepts multipart/form-data", async () => {
    const form = new FormData();
    form.set("email", "multi@example.com");
    form.set("firstName", "Bjørn");
    form.set("lastName", "Ås");
    form.set("attachment", new Blob(["ignored"]), "cv.txt");
    const res = await fetch(`${stack.url}/v1/leads`, {
      method: "POST",
      body: form,
      headers: { accept: "application/json", authorization: `Bearer ${stack.leadsKey}` },
    });
    expect(res.status).toBe(201);
    const { customerId } = (await res.json()) as { customerId: string };
    const view = await stack.api(`/v1/customers/${customerId}`, { key: stack.adminKey });
    expect(view.body.profile).toEqual({ firstName: "Bjørn", lastName: "Ås" });
  });

  it("CORS: an allowed origin gets Access-Control-Allow-Origin and a preflight answer; another origin can post but not read the answer", async () => {
    const pre = await fetch(`${stack.url}/v1/leads`, {
      method: "OPTIONS",
      headers: { origin: "https://shop.example.com", "access-control-request-method": "POST" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect(pre.headers.get("access-control-allow-headers")).toContain("idempotency-key");

    const ok = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "cors@example.com" }, headers: { origin: "https://shop.example.com" } });
    expect(ok.status).toBe(201);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");

    const held = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "cors2@example.com" }, headers: { origin: "https://other.example.org" } });
    expect(held.status).toBe(202);
    expect(held.body).toMatchObject({ held: true, reason: "origin_not_allowed" });
    expect(held.headers.get("access-control-allow-origin")).toBeNull();
    expect(await customerByEmail("cors2@example.com")).toHaveLength(0);
  });

  it("a browser form posted from an origin not allowed yet is held with the origin named, the visitor sees the thank-you page, and a release captures it", async () => {
    const page = await postForm(
      { email: "new-site@example.com", firstName: "Nia", consent: "yes", _next: "https://shop.example.com/thanks" },
      { origin: "https://www.shop.example.com", referer: "https://www.shop.example.com/contact?x=1" },
    );
    // Its _next is on an allowed origin, so it is still safe to follow.
    expect(page.status).toBe(303);
    expect(page.location).toBe("https://shop.example.com/thanks");
    const thanks = await fetch(`${stack.url}/v1/thanks`);
    expect(thanks.headers.get("content-type")).toContain("text/html");
    expect(await thanks.text()).toContain("Thank you");
    expect(await customerByEmail("new-site@example.com")).toHaveLength(0);

    const list = await stack.api("/v1/quarantine?limit=100", { key: stack.adminKey });
    const item = list.body.items.find((h: { lead: { email: string } }) => h.lead.email === "new-site@example.com");
    expect(item).toMatchObject({
      reason: "origin_not_allowed",
      detail: expect.stringContaining("https://www.shop.example.com"),
      context: { origin: "https://www.shop.example.com", page: "https://www.shop.example.com/contact" },
    });
    const released = await stack.api(`/v1/quarantine/${item.id}/release`, { method: "POST", key: stack.adminKey });
    expect(released.status).toBe(200);
    const [customer] = await customerByEmail("new-site@example.com");
    const view = await stack.api(`/v1/customers/${customer!.id}`, { key: stack.adminKey });
    expect(view.body.profile).toEqual({ firstName: "Nia" });
  });

  it("a post without an Origin (a script, a server) is not a browser post and is captured as usual", async () => {
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "server-side@example.com" } });
    expect(res.status).toBe(201);
    expect(await customerByEmail("server-side@example.com")).toHaveLength(1);
  });
});

describe("POST /v1/leads refuses bad input with a 4xx naming the problem", () => {
  it("400 names every bad field", async () => {
    const res = await stack.api("/v1/leads", {
      key: stack.leadsKey,
      body: { firstName: "x".repeat(101), birthday: "31.12.1990", locale: "???", timezone: "Mars/Olympus", consent: "maybe" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("validation");
    expect(res.body.fields.map((f: { field: string }) => f.field).sort()).toEqual(["birthday", "consent", "email", "firstName", "locale", "timezone"]);
  });

  it("400 for an invalid email, and for JSON that is not an object", async () => {
    for (const email of ["a@b", "@example.com", "two@@example.com", "sp ace@example.com", "a@-x.com"]) {
      const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email } });
      expect(res.status, email).toBe(400);
      expect(res.body.fields).toEqual([{ field: "email", message: "is not a valid email address" }]);
    }
    const broken = await stack.api("/v1/leads", { key: stack.leadsKey, body: "{not json" });
    expect(broken.status).toBe(400);
    expect(broken.body.fields).toEqual([{ field: "body", message: "is not valid JSON" }]);
    const array = await stack.api("/v1/leads", { key: stack.leadsKey, body: [] });
    expect(array.body.fields[0].field).toBe("body");
  });

  it("413 over 16 KiB", async () => {
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "big@example.com", message: "x".repeat(17 * 1024) } });
    expect(res.status).toBe(413);
    expect(await customerByEmail("big@example.com")).toHaveLength(0);
  });

  it("415 for a content type it does not read", async () => {
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: "email=a@example.com", headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(415);
    expect(res.body.error).toBe("unsupported_media_type");
  });

  it("the honeypot answers like a success and stores nothing", async () => {
    const json = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "bot@example.com", _gotcha: "http://spam" } });
    expect(json.status).toBe(201);
    expect(json.body.created).toBe(true);
    const form = await postForm({ email: "bot@example.com", _gotcha: "x" });
    expect(form.status).toBe(303);
    expect(await customerByEmail("bot@example.com")).toHaveLength(0);
  });
});

describe("one person is one customer", () => {
  it("50 concurrent posts of one email in different spellings give exactly one customer and 50 timeline entries", async () => {
    const spellings = ["dup@example.com", "DUP@EXAMPLE.COM", "  Dup@Example.com ", "dup@example.com.", "dUp@eXample.Com\t"];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        stack.api("/v1/leads", { key: stack.leadsKey, body: { email: spellings[i % spellings.length], firstName: `N${i}` } }),
      ),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    expect(results.filter((r) => r.body.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.customerId)).size).toBe(1);
    const found = await customerByEmail("dup@example.com");
    expect(found).toHaveLength(1);
    const timeline = await fullTimeline(found[0]!.id);
    expect(timeline.filter((e) => e.type === "form_submitted")).toHaveLength(50);
    const all = await stack.api("/v1/customers?limit=100", { key: stack.adminKey });
    expect(all.body.items.filter((c: { email: string }) => c.email === "dup@example.com")).toHaveLength(1);
  });

  it("names in any script round-trip unchanged", async () => {
    const people: Record<string, string>[] = [
      { email: "zhang.wei@example.com", firstName: "偉", lastName: "張" },
      { email: "bjorn@example.no", firstName: "Bjørn", lastName: "Ås", city: "Tromsø" },
      { email: "sjoerd@example.nl", firstName: "Sjoerd", lastName: "Fryslân" },
      { email: "zoe@example.fr", firstName: "Zoë", lastName: "Ðặng", company: "Café 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀" },
    ];
    for (const person of people) {
      const res = person.email!.endsWith(".no")
        ? await postForm(person, { accept: "application/json", authorization: `Bearer ${stack.leadsKey}` }).then((r) => ({
            status: r.status,
            body: JSON.parse(r.text),
          }))
        : await stack.api("/v1/leads", { key: stack.leadsKey, body: person });
      expect(res.status).toBe(201);
      const view = await stack.api(`/v1/customers/${res.body.customerId}`, { key: stack.adminKey });
      const { email, ...profile } = person as { email: string };
      expect(view.body.email).toBe(email);
      expect(view.body.profile).toEqual(profile);
    }
  });
});

describe("Idempotency-Key", () => {
  it("a repeated key replays the first answer and records the submission once", async () => {
    const body = { email: "idem@example.com", message: "hello" };
    const first = await stack.api("/v1/leads", { key: stack.leadsKey, body, headers: { "idempotency-key": "k-123" } });
    const second = await stack.api("/v1/leads", { key: stack.leadsKey, body, headers: { "idempotency-key": "k-123" } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await fullTimeline(first.body.customerId)).toHaveLength(1);
  });

  it("the same key with another body is refused with 422", async () => {
    await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "idem2@example.com" }, headers: { "idempotency-key": "k-456" } });
    const res = await stack.api("/v1/leads", { key: stack.leadsKey, body: { email: "idem3@example.com" }, headers: { "idempotency-key": "k-456" } });
    expect(res.status).toBe(422);
    expect(await customerByEmail("idem3@example.com")).toHaveLength(0);
  });

  it("a retried multipart post (a new boundary each time) replays the first answer", async () => {
    const post = () => {
      const form = new FormData();
      form.set("email", "idem-multipart@example.com");
      form.set("firstName", "Bjørn");
      return fetch(`${stack.url}/v1/leads`, {
        method: "POST",
        body: form,
        headers: { accept: "application/json", authorization: `Bearer ${stack.leadsKey}`, "idempotency-key": "k-multipart" },
      });
    };
    const first = await post();
    const second = await post();
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
    const [found] = await customerByEmail("idem-multipart@example.com");
    expect(await fullTimeline(found!.id)).toHaveLength(1);
  });

  it("a JSON retry with its keys in another order, or other spacing, replays; another value is still refused", async () => {
    const send = (raw: string) => stack.api("/v1/leads", { key: stack.leadsKey, body: raw, headers: { "idempotency-key": "k-order" } });
    const first = await send('{"email":"idem-order@example.com","firstName":"Ada","tags":["a","b"]}');
    const reordered = await send('{ "tags": ["a", "b"], "firstName": "Ada", "email": "idem-order@example.com" }');
    expect(first.status).toBe(201);
    expect(reordered.status).toBe(201);
    expect(reordered.headers.get("idempotent-replayed")).toBe("true");
    expect(reordered.body).toEqual(first.body);
    const changed = await send('{"email":"idem-order@example.com","firstName":"Grace","tags":["a","b"]}');
    expect(changed.status).toBe(422);
    expect(changed.body.error).toBe("idempotency_key_reused");
  });

  it("concurrent requests with one key run the work once", async () => {
    const body = { email: "idem-race@example.com" };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => stack.api("/v1/leads", { key: stack.leadsKey, body, headers: { "idempotency-key": "race-1" } })),
    );
    for (const r of results) expect([201, 409]).toContain(r.status);
    const [found] = await customerByEmail("idem-race@example.com");
    expect(await fullTimeline(found!.id)).toHaveLength(1);
  });
});

const asText = (v: unknown) => (v !== null && typeof v === "object" ? JSON.stringify(v) : String(v));

describe("no input gives a 5xx", () => {
  it("a few hundred random bodies, of every content type, get 2xx/3xx/4xx and never 5xx", async () => {
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.string()),
    );
    const key = fc.oneof(
      fc.constantFrom(
        "email",
        "firstName",
        "lastName",
        "phone",
        "birthday",
        "locale",
        "timezone",
        "consent",
        "tags",
        "_gotcha",
        "_next",
        "message",
        "country",
        "linkedin",
        "__proto__",
        "constructor",
      ),
      fc.string({ maxLength: 10 }),
    );
    const body = fc.dictionary(key, value, { maxKeys: 8 });
    const contentType = fc.constantFrom(
      "application/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "text/plain",
      "",
      "application/json; charset=utf-8",
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (fields, type, withValidEmail) => {
        if (withValidEmail) fields.email = "fuzz@example.com";
        let payload: string;
        if (type.startsWith("application/x-www-form-urlencoded"))
          payload = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, asText(v)])).toString();
        else if (type.startsWith("multipart"))
          payload = `${Object.entries(fields)
            .map(([k, v]) => `--xyz\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${asText(v)}\r\n`)
            .join("")}--xyz--\r\n`;
        else payload = JSON.stringify(fields);
        const res = await fetch(`${stack.url}/v1/leads`, {
          method: "POST",
          headers: { ...(type ? { "content-type": type } : {}), accept: "application/json" },
          body: payload,
          redirect: "manual",
        });
        await res.arrayBuffer();
        expect(res.status, `${type} ${payload}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { sesEventsFor } from "../local/ses-events.ts";
import { type TestStack, useStack } from "./support/stack.ts";

/** A customer with a first purchase at `at`: the thank-you is due at once. */
async function buyer(s: TestStack, email: string, at: string): Promise<string> {
  const lead = await s.api("/v1/leads", { key: s.leadsKey, body: { email, firstName: "Sam" } });
  expect(lead.status, JSON.stringify(lead.body)).toBe(201);
  const purchase = await s.api("/v1/events", { key: s.adminKey, body: { type: "purchase", customerId: lead.body.customerId, amount: 40, at } });
  expect(purchase.status, JSON.stringify(purchase.body)).toBe(201);
  return lead.body.customerId;
}

async function timelineTypes(s: TestStack, id: string): Promise<string[]> {
  const res = await s.api(`/v1/customers/${id}/timeline`, { key: s.adminKey });
  expect(res.status).toBe(200);
  return (res.body.items as { type: string }[]).map((e) => e.type);
}

describe("the local stack reports what SES would report", () => {
  const stack = useStack({ sesEvents: true });

  it("a delivered mail is reported delivered; SES's simulator addresses bounce, complain or hit the suppression list", async () => {
    const at = "2027-05-03T10:00:00Z";
    const plain = await buyer(stack, "ana@example.com", at);
    const bounce = await buyer(stack, "bounce@simulator.amazonses.com", at);
    const complaint = await buyer(stack, "complaint@simulator.amazonses.com", at);
    const suppressed = await buyer(stack, "suppressionlist@simulator.amazonses.com", at);

    const sweep = await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: "2027-05-03T10:05:00Z" } });
    expect(sweep.body.enqueued).toBe(4);
    await stack.sesEvents!.settle();

    expect(await timelineTypes(stack, plain)).toContain("email_delivered");
    expect(await timelineTypes(stack, bounce)).toContain("email_bounced");
    expect(await timelineTypes(stack, bounce)).not.toContain("email_delivered");
    expect(await timelineTypes(stack, complaint)).toEqual(expect.arrayContaining(["email_delivered", "email_complained"]));
    expect(await timelineTypes(stack, suppressed)).toContain("email_bounced");

    // A permanent bounce or a complaint stops all further mail to the address.
    for (const [id, status] of [
      [bounce, "bounced"],
      [complaint, "complained"],
      [suppressed, "bounced"],
    ] as const) {
      const profile = await stack.api(`/v1/customers/${id}`, { key: stack.adminKey });
      expect(profile.body.consent.marketing).toBe(false);
      expect(profile.body.emailStatus).toBe(status);
    }
    expect((await stack.api(`/v1/customers/${plain}`, { key: stack.adminKey })).body.emailStatus).toBeUndefined();

    // The campaign report no longer reads "Delivered 0%" locally.
    await stack.settleReports();
    const report = await stack.api("/v1/reports/campaigns", { key: stack.adminKey });
    const thankYou = (report.body.campaigns as { id: string; sent: number; delivered: number; bounced: number; complained: number }[]).find(
      (c) => c.id === "thank-you",
    )!;
    expect(thankYou).toMatchObject({ sent: 4, delivered: 2, bounced: 2, complained: 1 });
  });

  it("mails go out with SES's open and click tracking: the image reports an open, a link a click and then the page", async () => {
    const id = await buyer(stack, "tracked@example.com", "2027-05-10T10:00:00Z");
    // The thank-you has no links; the feedback request a week later has eleven score links.
    await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: "2027-05-10T10:05:00Z" } });
    await stack.api("/v1/sweeps", { key: stack.adminKey, body: { at: "2027-05-17T12:00:00Z" } });
    await stack.sesEvents!.settle();
    const mail = (await stack.mailsTo("tracked@example.com")).find((m) => m.body.html?.includes("<a "));
    const html = mail!.body.html!;
    // As SES sends it: every link of the HTML part goes through a tracking URL, an image at the end reports the open.
    const hrefs = [...html.matchAll(/<a\b[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href.startsWith(`${stack.url}/_ses/click/`), href).toBe(true);
    const pixel = /<img src="([^"]+\/_ses\/open\/[^"]+)"/.exec(html)![1]!;
    expect(mail!.body.text).not.toContain("/_ses/");

    const image = await fetch(pixel);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/gif");
    const click = await fetch(hrefs[0]!, { redirect: "manual" });
    expect(click.status).toBe(302);
    // The page the link was for: one of the text part's links, which SES does not rewrite.
    expect(mail!.body.text).toContain(click.headers.get("location"));

    expect(await timelineTypes(stack, id)).toEqual(expect.arrayContaining(["email_opened", "email_clicked"]));
    await stack.settleReports();
    const report = await stack.api("/v1/reports/campaigns", { key: stack.adminKey });
    expect((report.body.campaigns as { id: string; opened: number; clicked: number }[]).find((c) => c.id === "feedback-request")).toMatchObject({
      opened: 1,
      clicked: 1,
    });
    // A tracking URL the stack does not know (a mail from before a restart) reports nothing.
    expect((await fetch(`${stack.url}/_ses/open/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });

  it("the outcome follows the send: SES's reports carry the simulated sweep's instant, not the wall clock", () => {
    const mail = {
      from: "shop@example.com",
      to: "Bounce@Simulator.AmazonSES.com",
      subject: "s",
      text: "t",
      html: "h",
      headers: {},
      tags: { campaign: "thank-you", customer: "c_1" },
    };
    const [event] = sesEventsFor(mail, "m-1", new Date("2027-05-03T10:05:00Z"));
    expect(event).toMatchObject({
      source: "aws.ses",
      "detail-type": "Email Bounced",
      detail: { eventType: "Bounce", mail: { messageId: "m-1", tags: { campaign: ["thank-you"] } } },
    });
    expect(event!.detail.bounce!.timestamp! > "2027-05-03T10:05:00Z").toBe(true);
    expect(event!.detail.bounce!.timestamp! < "2027-05-03T10:06:00Z").toBe(true);
  });
});

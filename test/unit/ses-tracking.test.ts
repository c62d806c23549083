import { describe, expect, it } from "vitest";
import { withTracking } from "../../local/ses-events.ts";

describe("the local stand-in for SES's open and click tracking", () => {
  it("sends every http(s) link of the HTML through a tracking URL, keeps the real address (entities decoded) and adds the open image inside the body", () => {
    const html =
      '<html><body><a href="https://shop.example/p?a=1&amp;b=2" target="_blank">Shop</a> <a href=\'http://localhost:3000/v1/unsubscribe?t=x\'>Stop</a> <a href="mailto:hi@shop.example">Mail</a></body></html>';
    const { html: tracked, links } = withTracking(html, "http://localhost:3000/_ses/", "m1");
    expect(links).toEqual(["https://shop.example/p?a=1&b=2", "http://localhost:3000/v1/unsubscribe?t=x"]);
    expect(tracked).toContain('<a href="http://localhost:3000/_ses/click/m1/0" target="_blank">Shop</a>');
    expect(tracked).toContain("<a href='http://localhost:3000/_ses/click/m1/1'>Stop</a>");
    // SES tracks web links only.
    expect(tracked).toContain('href="mailto:hi@shop.example"');
    expect(tracked).toMatch(/<img src="http:\/\/localhost:3000\/_ses\/open\/m1"[^>]*loading="lazy"[^>]*><\/body><\/html>$/);
  });

  it("adds the open image at the end of a fragment without a body", () => {
    expect(withTracking("<p>Hi</p>", "http://x/_ses/", "m2").html).toMatch(/^<p>Hi<\/p><img src="http:\/\/x\/_ses\/open\/m2"/);
  });
});

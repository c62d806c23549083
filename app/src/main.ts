import type { Chart } from "chart.js";
import { api, signInHash } from "./api.ts";
import { h, replace } from "./dom.ts";
import { campaignEditPage } from "./pages/campaign-edit.ts";
import { campaignsPage } from "./pages/campaigns.ts";
import { connectionsPage } from "./pages/connections.ts";
import { contactNewPage } from "./pages/contact-new.ts";
import { customerPage } from "./pages/customer.ts";
import { customersPage } from "./pages/customers.ts";
import { formPage } from "./pages/form.ts";
import { keysPage } from "./pages/keys.ts";
import { newslettersPage } from "./pages/newsletters.ts";
import { overviewPage } from "./pages/overview.ts";
import { peoplePage } from "./pages/people.ts";
import { quarantinePage } from "./pages/quarantine.ts";
import { savedSegmentsPage } from "./pages/saved-segments.ts";
import { segmentListPage } from "./pages/segment-list.ts";
import { segmentsPage } from "./pages/segments.ts";
import { signInPage } from "./pages/signin.ts";
import { todayPage } from "./pages/today.ts";
import { webhooksPage } from "./pages/webhooks.ts";
import { isOwner, isSignedIn, keepMe, type Me, me, signOut } from "./session.ts";
import type { PageContext } from "./ui.ts";

/**
 * The dashboard's entry point: a hash router (`#/customers?stage=lead`), so every page has a URL
 * to bookmark or share while the server serves one file; the API key never appears in it.
 */

type Page = (ctx: PageContext) => Promise<void>;

interface RouteDef {
  pattern: RegExp;
  page: Page;
  /** Which main navigation link is current. */
  nav?: string;
  /** Reachable without a key (only the sign-in page). */
  public?: boolean;
}

const ROUTES: RouteDef[] = [
  { pattern: /^\/signin$/, page: signInPage, public: true },
  { pattern: /^\/overview$/, page: overviewPage, nav: "overview" },
  { pattern: /^\/today$/, page: todayPage, nav: "today" },
  { pattern: /^\/customers$/, page: customersPage, nav: "customers" },
  { pattern: /^\/customers\/new$/, page: contactNewPage, nav: "customers" },
  { pattern: /^\/customers\/(?<id>[^/]+)$/, page: customerPage, nav: "customers" },
  { pattern: /^\/quarantine$/, page: quarantinePage, nav: "quarantine" },
  { pattern: /^\/form$/, page: formPage, nav: "form" },
  { pattern: /^\/campaigns$/, page: campaignsPage, nav: "campaigns" },
  { pattern: /^\/campaigns\/(?<id>[^/]+)$/, page: campaignEditPage, nav: "campaigns" },
  { pattern: /^\/segments$/, page: segmentsPage, nav: "segments" },
  { pattern: /^\/saved-segments$/, page: savedSegmentsPage, nav: "saved-segments" },
  { pattern: /^\/newsletters$/, page: newslettersPage, nav: "newsletters" },
  { pattern: /^\/people$/, page: peoplePage, nav: "people" },
  { pattern: /^\/segments\/(?<id>[^/]+)$/, page: segmentListPage, nav: "segments" },
  { pattern: /^\/keys$/, page: keysPage, nav: "keys" },
  { pattern: /^\/connections$/, page: connectionsPage, nav: "connections" },
  { pattern: /^\/webhooks$/, page: webhooksPage, nav: "webhooks" },
];

let current: { abort: AbortController; charts: Chart[] } | undefined;
let firstRender = true;

function notFound(ctx: PageContext): Promise<void> {
  ctx.title("Not found");
  replace(
    ctx.main,
    h("h1", { tabindex: "-1", id: "page-title" }, "Page not found"),
    h("p", null, "There is no such page in the dashboard. ", h("a", { href: "#/overview" }, "Go to the overview"), "."),
  );
  return Promise.resolve();
}

async function render(): Promise<void> {
  const main = document.getElementById("main")!;
  const hash = location.hash || "#/overview";
  // `#main` and other in-page anchors are not routes.
  if (!hash.startsWith("#/")) return;
  const [path = "/", search = ""] = hash.slice(1).split("?", 2);
  const route = ROUTES.find((r) => r.pattern.test(path));

  if (!isSignedIn() && !route?.public) {
    location.replace(signInHash(hash));
    return;
  }
  if (isSignedIn() && route?.public) {
    location.replace("#/overview");
    return;
  }

  current?.abort.abort();
  for (const chart of current?.charts ?? []) chart.destroy();
  const abort = new AbortController();
  const ctx: PageContext = {
    main,
    params: Object.fromEntries(Object.entries(route?.pattern.exec(path)?.groups ?? {}).map(([k, v]) => [k, safeDecode(v)])),
    query: new URLSearchParams(search),
    signal: abort.signal,
    charts: [],
    title: (text) => {
      document.title = `${text} · Rapport`;
    },
  };
  current = { abort, charts: ctx.charts };

  const signedIn = isSignedIn();
  document.getElementById("mainnav")!.hidden = !signedIn;
  document.getElementById("signout")!.hidden = !signedIn;
  showWho(signedIn);
  // A session kept from before the app knew who it was: ask once.
  if (signedIn && !me()) {
    void api<Me>("/v1/me")
      .then((who) => {
        keepMe(who);
        showWho(isSignedIn());
      })
      .catch(() => undefined);
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    if (link.dataset.nav === route?.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }

  const rendering = (route?.page ?? notFound)(ctx);
  // After a navigation, focus goes to the new page's heading so a screen reader announces it
  // (not on the first load, where the browser's own focus handling is what people expect).
  if (!firstRender) focusHeading(abort.signal);
  firstRender = false;
  await rendering;
}

/** The header names who is signed in and their role; owner-only links show for owners only. */
function showWho(signedIn: boolean): void {
  const who = signedIn ? me() : null;
  const line = document.getElementById("whoami")!;
  line.hidden = !who;
  line.textContent = !who ? "" : who.type === "person" ? `${who.name} · ${who.role === "owner" ? "Owner" : "Staff"}` : `API key · ${who.scopes.join(", ")}`;
  for (const el of document.querySelectorAll<HTMLElement>("[data-owner]")) el.hidden = !(who && isOwner());
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Focuses the page's h1 as soon as it exists (pages render it before their data arrives). */
function focusHeading(signal: AbortSignal): void {
  const heading = document.getElementById("page-title");
  if (heading) return heading.focus();
  const observer = new MutationObserver(() => {
    const found = document.getElementById("page-title");
    if (found || signal.aborted) {
      observer.disconnect();
      found?.focus();
    }
  });
  observer.observe(document.getElementById("main")!, { childList: true, subtree: true });
}

function start(): void {
  document.getElementById("signout")!.addEventListener("click", () => {
    signOut("You have signed out. Your sign-in is forgotten in this tab.");
    location.hash = "#/signin";
  });
  // The skip link moves focus without touching the hash (the hash is the route).
  document.getElementById("skip-link")!.addEventListener("click", (event) => {
    event.preventDefault();
    document.getElementById("main")!.focus();
  });
  window.addEventListener("hashchange", () => void render());
  void render();
}

start();

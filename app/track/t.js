/**
 * Rapport's website snippet, served at /v1/t.js. Paste on every page:
 *
 *   <script src="https://<your api>/v1/t.js" async data-consent="false"></script>
 *
 * - Records page views (and `rapport.track("event", { interest: "shoes" })`) with
 *   navigator.sendBeacon to POST /v1/track on the same API (fetch keepalive when there is no beacon).
 * - Anonymous until consent: no cookie, no storage and no visitor id until the site says consent
 *   was given, with `data-consent="true"` on the tag or `rapport.consent(true)` from its consent
 *   banner; `rapport.consent(false)` forgets the id. Without an id the server stores nothing.
 * - Global Privacy Control (`navigator.globalPrivacyControl`) wins over consent: no id is made,
 *   kept or sent.
 * - Adds the visitor id as a hidden `visitorId` field to Rapport forms (posting to /v1/leads), so
 *   the visitor becomes the customer who posted it.
 * - A page's interests: `data-rapport-interest="shoes"` on any element (comma-separated for more).
 * - A referral link (/r/<code>) lands with `?ref=<code>`: the code goes into Rapport forms as a
 *   hidden `ref` field, so the lead is credited to the friend who shared the link. Kept for the
 *   rest of the visit (sessionStorage) only with consent; without, only on the landing page.
 */
(() => {
  const script = document.currentScript;
  const base = script ? new URL(script.src, location.href) : new URL(location.href);
  const endpoint = new URL("/v1/track", base).href;
  const KEY = "rapport_vid";
  const gpc = navigator.globalPrivacyControl === true;

  const storage = () => {
    try {
      return window.localStorage;
    } catch {
      return null;
    }
  };

  /** The visitor id, only with consent and without GPC. */
  let visitorId = null;
  if (gpc) storage()?.removeItem(KEY);
  else visitorId = storage()?.getItem(KEY) || null;

  const newId = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  };

  const REF_KEY = "rapport_ref";
  const session = () => {
    try {
      return window.sessionStorage;
    } catch {
      return null;
    }
  };
  let ref = new URLSearchParams(location.search).get("ref");
  if (!(ref && /^[0-9A-Za-z]{10}$/.test(ref))) ref = (visitorId && session()?.getItem(REF_KEY)) || null;
  else if (visitorId) session()?.setItem(REF_KEY, ref);

  const consent = (given) => {
    if (given && !gpc) {
      visitorId = visitorId || newId();
      storage()?.setItem(KEY, visitorId);
      if (ref) session()?.setItem(REF_KEY, ref);
    } else {
      visitorId = null;
      storage()?.removeItem(KEY);
      session()?.removeItem(REF_KEY);
    }
    tagForms();
  };

  const send = (body) => {
    if (visitorId) body.visitorId = visitorId;
    const data = JSON.stringify(body);
    // A string goes as text/plain: no preflight, so the beacon reaches another origin.
    if (navigator.sendBeacon?.(endpoint, data)) return;
    fetch(endpoint, { method: "POST", body: data, keepalive: true, credentials: "omit", headers: { "content-type": "text/plain" } }).catch(() => {});
  };

  const interests = () => {
    const out = [];
    for (const el of document.querySelectorAll("[data-rapport-interest]")) {
      for (const name of el.getAttribute("data-rapport-interest").split(",")) if (name.trim()) out.push(name.trim().toLowerCase());
    }
    return [...new Set(out)].slice(0, 5);
  };

  // A link in a Rapport email carries ?rapport_c=<token>: sent once (with consent) to tie this
  // visitor to the customer, and taken out of the address bar so it is not shared or bookmarked.
  const params = new URLSearchParams(location.search);
  let link = params.get("rapport_c");
  if (link !== null) {
    params.delete("rapport_c");
    const rest = params.toString();
    history.replaceState(history.state, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }

  const page = () => {
    const body = { type: "pageview", path: location.pathname.slice(0, 500), interests: interests() };
    if (link && visitorId) {
      body.link = link.slice(0, 1000);
      link = null;
    }
    send(body);
  };

  const track = (name, props) => send({ type: "event", path: location.pathname.slice(0, 500), name: String(name).slice(0, 64), props: props || {} });

  const isRapportForm = (form) => form instanceof HTMLFormElement && /\/v1\/leads\/?$/.test(new URL(form.action, location.href).pathname);

  const tagForm = (form) => {
    if (!isRapportForm(form)) return;
    if (ref && !form.querySelector('input[name="ref"]')) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "ref";
      input.value = ref;
      form.appendChild(input);
    }
    let field = form.querySelector('input[name="visitorId"]');
    if (!visitorId) return field?.remove();
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "visitorId";
      form.appendChild(field);
    }
    field.value = visitorId;
  };

  function tagForms() {
    for (const form of document.forms) tagForm(form);
  }

  // Forms added later are tagged when they are posted.
  document.addEventListener("submit", (e) => tagForm(e.target), true);

  const queued = window.rapport?.q || [];
  window.rapport = {
    track,
    page,
    consent,
    /** The visitor id for a form posted by script (null without consent). */
    visitorId: () => visitorId,
  };
  if (script?.dataset.consent === "true") consent(true);
  for (const [method, ...args] of queued) window.rapport[method]?.(...args);
  const start = () => {
    tagForms();
    page();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

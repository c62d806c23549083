/**
 * A tiny element builder. Every piece of data reaches the page as a text node or an attribute
 * value, never as markup: there is no innerHTML anywhere in the app (the page's CSP enforces
 * Trusted Types, so a stray `innerHTML = string` would throw rather than inject).
 */

export type Child = Node | string | number | null | undefined | false | Child[];

type Listener = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>;

/**
 * `h("a", { href: "#/x", class: "link" }, "text", child)`. Attribute values that are `false`,
 * `null` or `undefined` are left out, `true` sets an empty attribute, functions under `on…`
 * become event listeners. `style` is refused: the CSP allows no inline styles.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (typeof value === "function") {
      if (!name.startsWith("on")) throw new Error(`h(): ${name} is a function but not an event listener`);
      el.addEventListener(name.slice(2).toLowerCase(), value);
      continue;
    }
    if (name === "style") throw new Error("h(): inline styles are refused by the page's CSP; use a class");
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (text as text nodes) in order. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

let ids = 0;
/** A document-unique id for label/description wiring. */
export function uid(prefix: string): string {
  return `${prefix}-${++ids}`;
}

import { ApiError, SignedOut } from "./api.ts";
import { type Child, h, replace } from "./dom.ts";
import { announce } from "./ui.ts";

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface Slot {
  control: Control;
  error: HTMLElement;
  label: string;
}

/**
 * A form whose only judge is the API: fields are labelled and described, and a 400 puts each of
 * the API's field messages next to its field (and in a summary at the top that links to them),
 * as the campaign editor does. `submit` returns what to announce when it worked.
 *
 * @example
 * const form = apiForm("note", "Save", async () => { await api(...); return "Saved."; });
 * form.append(form.field("text", "Text", h("textarea")));
 */
export interface ApiForm {
  element: HTMLFormElement;
  /** Adds a labelled control; `path` is the API's name for the field (`amount`, `body`). */
  field(path: string, label: string, control: Control, help?: string): HTMLElement;
  append(...children: Child[]): void;
}

export function apiForm(prefix: string, submitLabel: string, submit: () => Promise<string>, options: { class?: string; danger?: boolean } = {}): ApiForm {
  const slots = new Map<string, Slot>();
  const summary = h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true });
  const status = h("p", { class: "form-status", role: "status" });
  const button = h("button", { type: "submit", class: `button ${options.danger ? "button-danger" : "button-primary"}` }, submitLabel);
  const body = h("div", { class: "form-fields" });

  const clear = () => {
    summary.hidden = true;
    replace(summary);
    for (const slot of slots.values()) {
      slot.error.hidden = true;
      slot.error.textContent = "";
      slot.control.removeAttribute("aria-invalid");
    }
  };

  const element = h(
    "form",
    {
      class: `api-form ${options.class ?? ""}`.trim(),
      novalidate: true,
      onsubmit: (event: Event) => {
        event.preventDefault();
        clear();
        status.textContent = "";
        button.disabled = true;
        submit()
          .then((done) => {
            status.textContent = done;
            announce(done);
          })
          .catch((err: unknown) => {
            if (err instanceof SignedOut) return;
            const fields = err instanceof ApiError ? err.fields : [];
            const known = fields.filter((f) => slots.has(f.field));
            for (const { field, message } of known) {
              const slot = slots.get(field)!;
              slot.error.textContent = `${slot.label} ${message}`;
              slot.error.hidden = false;
              slot.control.setAttribute("aria-invalid", "true");
            }
            const other = fields.filter((f) => !slots.has(f.field)).map((f) => `${f.field} ${f.message}`);
            const message = err instanceof ApiError ? err.message : "Something went wrong. Try again.";
            replace(
              summary,
              h("p", { class: "error-title" }, known.length ? "Please fix these fields:" : message),
              known.length || other.length
                ? h(
                    "ul",
                    null,
                    known.map(({ field }) =>
                      h(
                        "li",
                        null,
                        h(
                          "a",
                          { href: `#${slots.get(field)!.control.id}`, onclick: (e: Event) => (e.preventDefault(), slots.get(field)!.control.focus()) },
                          slots.get(field)!.error.textContent ?? "",
                        ),
                      ),
                    ),
                    other.map((text) => h("li", null, text)),
                  )
                : null,
            );
            summary.hidden = false;
            summary.focus();
          })
          .finally(() => {
            button.disabled = false;
          });
      },
    },
    summary,
    body,
    h("div", { class: "form-actions" }, button, status),
  );

  return {
    element,
    field(path, label, control, help) {
      const id = `${prefix}-${path.replace(/[^A-Za-z0-9-]+/g, "-")}`;
      control.id = id;
      if (!control.getAttribute("name")) control.setAttribute("name", path);
      const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
      const helpLine = help ? h("p", { class: "help", id: `${id}-help` }, help) : null;
      control.setAttribute("aria-describedby", [helpLine ? `${id}-help` : "", `${id}-error`].filter(Boolean).join(" "));
      slots.set(path, { control, error, label });
      const isCheck = control instanceof HTMLInputElement && control.type === "checkbox";
      return h(
        "div",
        { class: `field${isCheck ? " field-check" : ""}` },
        isCheck ? [control, h("label", { for: id }, label)] : [h("label", { for: id }, label), control],
        helpLine,
        error,
      );
    },
    append(...children) {
      for (const child of children) if (child instanceof Node) body.append(child);
    },
  };
}

/** A `datetime-local` value as an ISO instant in the browser's time zone; undefined when empty. */
export function instantOf(localValue: string): string | undefined {
  if (!localValue) return undefined;
  const date = new Date(localValue);
  return Number.isNaN(date.getTime()) ? localValue : date.toISOString();
}

/** An ISO instant as a `datetime-local` value in the browser's time zone. */
export function localValueOf(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A disclosure ("Log a call…") holding a form: closed by default, keyboard-operable as any `<details>`. */
export function disclosure(summaryText: string, ...children: Child[]): HTMLDetailsElement {
  return h("details", { class: "action" }, h("summary", null, summaryText), h("div", { class: "action-body" }, children));
}

import { refreshTokens, signInConfig } from "./cognito.ts";
import { apiKey, keepTokens, signOut, tokens } from "./session.ts";

/** One bad field of a 400 answer (`{"error":"validation","fields":[...]}`), as the API names it. */
export interface FieldError {
  field: string;
  message: string;
}

/** A non-2xx answer, or no answer at all (`status` 0). */
export class ApiError extends Error {
  override name = "ApiError";
  status: number;
  fields: FieldError[];
  constructor(status: number, message: string, fields: FieldError[] = []) {
    super(message);
    this.status = status;
    this.fields = fields;
  }
}

/** The key was refused (or there is none): the app has gone back to the sign-in page. */
export class SignedOut extends Error {
  override name = "SignedOut";
}

export interface RequestOptions {
  method?: "GET" | "PUT" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
  /** The key to use instead of the session's (the sign-in page checks a key before keeping it). */
  key?: string;
}

/** Where the sign-in page is, with the page to come back to. */
export function signInHash(next?: string): string {
  return next && next !== "#/signin" && !next.startsWith("#/signin?") ? `#/signin?next=${encodeURIComponent(next)}` : "#/signin";
}

/** One refresh at a time, shared by every call that needs it. */
let refreshing: Promise<string | null> | undefined;

/**
 * What to send as `Authorization: Bearer`: the key, or the person's id token, refreshed with the
 * pool first when it expires within a minute (or when `force`d after a 401). Null when there is
 * nothing to send or the refresh was refused (the session has ended).
 */
async function freshCredential(force = false): Promise<string | null> {
  const current = tokens();
  if (!current) return apiKey();
  if (!force && current.expiresAt - 60_000 > Date.now()) return current.idToken;
  refreshing ??= (async () => {
    const cfg = await signInConfig();
    if (!cfg || !current.refreshToken) return null;
    try {
      const next = await refreshTokens(cfg, current.refreshToken);
      keepTokens(next);
      return next.idToken;
    } catch {
      return null;
    }
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

function goToSignIn(notice: string, reason: string): never {
  signOut(notice);
  location.hash = signInHash(location.hash);
  throw new SignedOut(reason);
}

/**
 * Calls the API on this origin with the session's credential. For a person, a 401 is met with
 * one refresh of their tokens and one retry; a 401 after that (or a key's 401, or a key's 403:
 * it lacks the admin scope every page needs) forgets the credential and goes to the sign-in page
 * with a message saying why. A person's 403 is an action their role does not allow: an error.
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let key = options.key ?? (await freshCredential());
  const person = !options.key && tokens() !== null;
  if (!key) {
    if (person) goToSignIn("Your session has ended. Sign in again.", "refresh refused");
    location.hash = signInHash(location.hash);
    throw new SignedOut("not signed in");
  }
  for (let attempt = 0; ; attempt++) {
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${key}` };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(path, {
        method: options.method ?? "GET",
        headers,
        cache: "no-store",
        credentials: "omit",
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new ApiError(0, "The API could not be reached. Check your connection and try again.");
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (res.ok) return body as T;

    const answer = (body ?? {}) as { error?: string; message?: string; fields?: FieldError[] };
    if (res.status === 401 && person) {
      const refreshed = attempt === 0 ? await freshCredential(true) : null;
      if (refreshed) {
        key = refreshed;
        continue;
      }
      goToSignIn("Your session has ended. Sign in again.", answer.message ?? "signed out");
    }
    if (res.status === 403 && person) throw new ApiError(403, "Your role does not allow this: ask an owner.");
    if ((res.status === 401 || res.status === 403) && !options.key) {
      goToSignIn(
        res.status === 401
          ? "Your API key was not accepted (it may have been revoked). Sign in again."
          : "Your API key lacks the admin scope the dashboard needs. Sign in with an admin key.",
        answer.message ?? "signed out",
      );
    }
    const message =
      res.status === 400 && answer.fields?.length
        ? "Some fields need fixing."
        : (answer.message ?? (res.status >= 500 ? "The API had a problem answering. Try again in a moment." : `The API answered ${res.status}.`));
    throw new ApiError(res.status, message, answer.fields ?? []);
  }
}

/** `?a=1&b=2` from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : "";
}

/**
 * Downloads an API answer as a file (exports, CSV): fetched with the session's credentials like
 * every call, then handed to the browser as a blob, so no key ever appears in a URL.
 */
export async function apiDownload(path: string, filename: string): Promise<void> {
  const key = await freshCredential();
  if (!key) throw new SignedOut("not signed in");
  const res = await fetch(path, { headers: { authorization: `Bearer ${key}` }, cache: "no-store", credentials: "omit" });
  if (!res.ok) throw new ApiError(res.status, `The API answered ${res.status}.`);
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

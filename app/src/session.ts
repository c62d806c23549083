/**
 * Who is signed in, kept only in this tab's sessionStorage: gone when the tab closes, never in
 * localStorage, a cookie or a URL. Either a person's tokens from the user pool (sent to this
 * origin's API; the refresh token only ever goes back to the pool) or an admin API key (sent to
 * this origin's API only).
 */
const KEY = "rapport.apiKey";
const TOKENS = "rapport.tokens";
const ME = "rapport.me";
const NOTICE = "rapport.notice";

/** A person's tokens from the user pool; `expiresAt` is when the id token stops working (ms). */
export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

/** Who the API says the caller is (`GET /v1/me`), kept for the header and for hiding owner-only actions. */
export type Me = { type: "person"; id: string; name: string; role: "owner" | "staff"; scopes: string[] } | { type: "key"; id: string; scopes: string[] };

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function tokens(): Tokens | null {
  const raw = sessionStorage.getItem(TOKENS);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Tokens;
  } catch {
    return null;
  }
}

/** Signed in at all, as a person or with a key. */
export function isSignedIn(): boolean {
  return Boolean(apiKey() || tokens());
}

/** What goes in `Authorization: Bearer`: the person's id token (the API accepts it), or the key. */
export function credential(): string | null {
  return tokens()?.idToken ?? apiKey();
}

export function signIn(key: string): void {
  sessionStorage.removeItem(TOKENS);
  sessionStorage.setItem(KEY, key);
}

/** Keeps a person's tokens (after signing in, or a refresh, which keeps the old refresh token). */
export function keepTokens(next: Tokens): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.setItem(TOKENS, JSON.stringify(next));
}

export function me(): Me | null {
  const raw = sessionStorage.getItem(ME);
  return raw ? (JSON.parse(raw) as Me) : null;
}

export function keepMe(who: Me): void {
  sessionStorage.setItem(ME, JSON.stringify(who));
}

/** An owner, or an admin key: may erase and manage people. */
export function isOwner(): boolean {
  return me()?.scopes.includes("admin") ?? false;
}

/** Forgets the key or tokens and who they were; `notice` is shown once on the sign-in page. */
export function signOut(notice?: string): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(TOKENS);
  sessionStorage.removeItem(ME);
  if (notice) sessionStorage.setItem(NOTICE, notice);
}

/** The message left by `signOut`, once. */
export function takeNotice(): string | null {
  const notice = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  return notice;
}

/**
 * The admin API key lives only in this tab's sessionStorage: gone when the tab closes, never in
 * localStorage, a cookie or a URL, and never sent anywhere but this origin's API (the CSP's
 * connect-src 'self').
 */
const KEY = "rapport.apiKey";
const NOTICE = "rapport.notice";

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signIn(key: string): void {
  sessionStorage.setItem(KEY, key);
}

/** Forgets the key; `notice` is shown once on the sign-in page (why you were signed out). */
export function signOut(notice?: string): void {
  sessionStorage.removeItem(KEY);
  if (notice) sessionStorage.setItem(NOTICE, notice);
}

/** The message left by `signOut`, once. */
export function takeNotice(): string | null {
  const notice = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  return notice;
}

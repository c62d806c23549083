import { ValidationError } from "../core/errors.ts";

/** Paging cursors are opaque to callers: base64url JSON of where the next page starts. */
export function encodeCursor(position: Record<string, unknown> | undefined | null): string | null {
  if (!position) return null;
  return Buffer.from(JSON.stringify(position), "utf8").toString("base64url");
}

/** Decodes a cursor this API handed out; anything else is a 400 naming `cursor`. */
export function decodeCursor<T extends Record<string, string>>(cursor: string | undefined, requiredKeys: (keyof T)[]): T | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (value && typeof value === "object" && requiredKeys.every((k) => typeof (value as Record<string, unknown>)[k as string] === "string")) {
      return value as T;
    }
  } catch {
    // reported below
  }
  throw ValidationError.field("cursor", "is not a cursor this API returned");
}

/**
 * What a person may do: an owner everything; staff everything but erasure, people, API keys and
 * campaign edits. Each role is a Cognito group of the same name.
 */
export const ROLES = ["owner", "staff"] as const;
export type Role = (typeof ROLES)[number];

/** The scopes each role grants, in the terms routes ask for (shared/http/routes.ts). */
export const ROLE_SCOPES: Record<Role, string> = { owner: "admin", staff: "staff" };

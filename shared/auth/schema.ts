import * as z from "zod/mini";
import { EmailField } from "../core/schema.ts";
import { ROLES } from "./roles.ts";

/** Request and response shapes of who-am-I, the people directory, API keys and the app's sign-in settings. */

const Role = z.enum(ROLES, { error: `must be ${ROLES.join(" or ")}` });

export const PersonInput = z.strictObject({
  email: EmailField,
  role: Role,
  name: z.optional(z.string().check(z.trim(), z.minLength(1, { error: "must not be empty" }), z.maxLength(100, { error: "at most 100 characters" }))),
});

export const Person = z.object({ id: z.string(), email: z.string(), name: z.optional(z.string()), role: Role, createdAt: z.string() });
export const PeopleList = z.object({ items: z.array(Person) });
export const PersonAdded = z.object({
  person: Person,
  invited: z.boolean(),
  /** Local stack only, where no invitation email can go out. */
  password: z.optional(z.string()),
});
/** A person's id in the user pool (a UUID): paths never carry an email, so access logs hold none. */
export const PersonIdParam = z
  .string()
  .check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: "must be a person's id (a UUID, as GET /v1/people shows it)" }));

const KEY_SCOPES = ["admin", "leads:write"] as const;
export const KeyInput = z.strictObject({
  scopes: z.array(z.enum(KEY_SCOPES, { error: `must be ${KEY_SCOPES.join(" or ")}` })).check(z.minLength(1, { error: "give at least one scope" })),
  name: z.optional(z.string().check(z.trim(), z.minLength(1, { error: "must not be empty" }), z.maxLength(100, { error: "at most 100 characters" }))),
});
export const KeyInfo = z.object({ id: z.string(), name: z.string(), scopes: z.array(z.string()), createdAt: z.string(), revokedAt: z.optional(z.string()) });
export const KeyList = z.object({ items: z.array(KeyInfo) });
export const KeyCreated = z.object({ key: z.string(), info: KeyInfo });
export const KeyIdParam = z.string().check(z.regex(/^[0-9a-f]{12}$/, { error: "must be a key id: 12 hex digits" }));

/** Who the caller is: a person (with their role) or an API key (with its scopes). */
export const Me = z.discriminatedUnion("type", [
  z.object({ type: z.literal("person"), id: z.string(), name: z.string(), role: Role, scopes: z.array(z.string()) }),
  z.object({ type: z.literal("key"), id: z.string(), scopes: z.array(z.string()) }),
]);

/** What a browser needs to sign people in with Cognito's InitiateAuth; no secrets. */
export const AppConfig = z.object({
  signIn: z.nullable(
    z.object({
      provider: z.literal("cognito"),
      region: z.string(),
      userPoolId: z.string(),
      clientId: z.string(),
      /** Where to POST InitiateAuth (`x-amz-target: AWSCognitoIdentityProviderService.InitiateAuth`). */
      endpoint: z.string(),
      /** `USER_PASSWORD_AUTH` works on AWS and locally; `USER_SRP_AUTH` on AWS only. */
      authFlows: z.array(z.string()),
    }),
  ),
});

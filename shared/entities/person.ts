/**
 * Keys of the people directory: one item per person who signs in, keyed by their Cognito `sub`
 * (the user's immutable id in the user pool), holding their email, name and role.
 *
 * Access pattern: resolve a verified token's `sub` to the person (GetItem `PK = PERSON,
 * SK = <sub>`, once per request, in the authorizer), and list everyone (Query `PK = PERSON`) for
 * `people list` and `people remove EMAIL`. A team is a handful of people, so one partition
 * holds them all.
 */
export const PERSON_PARTITION = "PERSON";

export function personKey(sub: string): { PK: string; SK: string } {
  return { PK: PERSON_PARTITION, SK: sub };
}

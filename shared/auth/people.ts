import { randomInt } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { CognitoError, type CognitoTarget, cognitoCall } from "../aws/cognito.ts";
import type { Deps } from "../core/deps.ts";
import { Conflict, NotFound, ValidationError } from "../core/errors.ts";
import { PERSON_PARTITION, personKey } from "../entities/person.ts";
import type { Principal } from "../http/http.ts";
import { ROLE_SCOPES, type Role } from "./roles.ts";

/**
 * One person in the directory. Cognito holds who they are and their password (Rapport never
 * sees a password it did not generate for the local stack); this item ties their Cognito `sub`
 * to a role and a name, and is what makes a removed person's unexpired token stop working.
 */
export interface PersonInfo {
  id: string;
  email: string;
  name?: string;
  role: Role;
  createdAt: string;
}

export interface AddedPerson {
  person: PersonInfo;
  /** Local stack only (no mail goes out there): the permanent password set for them. */
  password?: string;
  /** AWS: Cognito emailed them an invitation with a temporary password. */
  invited: boolean;
}

function target(deps: Deps): CognitoTarget & { userPoolId: string } {
  const { userPoolId, endpoint } = deps.config.people;
  if (!userPoolId) throw new NotFound("sign-in for people is not set up here: no user pool (COGNITO_USER_POOL_ID)");
  return { region: deps.config.region, userPoolId, ...(endpoint ? { endpoint } : {}) };
}

/**
 * Adds a person: a Cognito user with their email (verified: the owner vouches for it) and name,
 * in the group of their role, and their directory entry. On AWS Cognito emails them an
 * invitation with a temporary password; on the local stack (cognito-local, which sends no mail)
 * a permanent password is set and returned once.
 *
 * Safe to run again after a failure half-way: a Cognito user without a directory entry is
 * completed rather than refused.
 *
 * @throws Conflict `person_exists` when the email already belongs to someone in the directory.
 * @example const { person, password } = await addPerson(deps, { email: "sam@shop.example", role: "staff", name: "Sam" });
 */
export async function addPerson(deps: Deps, input: { email: string; role: Role; name?: string }): Promise<AddedPerson> {
  const pool = target(deps);
  const local = Boolean(pool.endpoint);
  const existing = (await listPeople(deps)).find((p) => p.email === input.email);
  if (existing) throw new Conflict("person_exists", `${input.email} is already in the team (as ${existing.role}); remove them first to change their role`);
  let sub: string;
  try {
    const created = await cognitoCall<{ User: { Attributes?: { Name: string; Value: string }[] } }>(pool, "AdminCreateUser", {
      UserPoolId: pool.userPoolId,
      Username: input.email,
      UserAttributes: [
        { Name: "email", Value: input.email },
        { Name: "email_verified", Value: "true" },
        ...(input.name ? [{ Name: "name", Value: input.name }] : []),
      ],
      // cognito-local cannot deliver an invitation (and fails the call if asked to).
      ...(local ? { MessageAction: "SUPPRESS" } : { DesiredDeliveryMediums: ["EMAIL"] }),
    });
    sub = attribute(created.User.Attributes, "sub");
  } catch (err) {
    if (!(err instanceof CognitoError)) throw err;
    if (err.type === "UsernameExistsException") {
      const user = await cognitoCall<{ UserAttributes?: { Name: string; Value: string }[] }>(pool, "AdminGetUser", {
        UserPoolId: pool.userPoolId,
        Username: input.email,
      });
      sub = attribute(user.UserAttributes, "sub");
    } else if (err.type === "InvalidParameterException") {
      throw ValidationError.field("email", `was refused by the user pool: ${err.message}`);
    } else {
      throw err;
    }
  }
  await cognitoCall(pool, "AdminAddUserToGroup", { UserPoolId: pool.userPoolId, Username: sub, GroupName: input.role });
  let password: string | undefined;
  if (local) {
    password = generatePassword();
    await cognitoCall(pool, "AdminSetUserPassword", { UserPoolId: pool.userPoolId, Username: sub, Password: password, Permanent: true });
  }
  const person: PersonInfo = {
    id: sub,
    email: input.email,
    ...(input.name ? { name: input.name } : {}),
    role: input.role,
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.db.send(new PutCommand({ TableName: deps.table, Item: { ...personKey(sub), type: "person", ...person } }));
  return { person, ...(password ? { password } : {}), invited: !local };
}

/** Everyone in the directory, oldest first. */
export async function listPeople(deps: Pick<Deps, "db" | "table">): Promise<PersonInfo[]> {
  const result = await deps.db.send(
    new QueryCommand({
      TableName: deps.table,
      KeyConditionExpression: "PK = :pk",
      ExpressionAttributeValues: { ":pk": PERSON_PARTITION },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map(toPerson).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Removes a person by their id or email: their directory entry first, which ends their access
 * at once (tokens they hold stay valid at Cognito until they expire, but the authorizer no
 * longer finds them), then their Cognito user.
 *
 * @throws NotFound when nobody in the directory has that id or email.
 */
export async function removePerson(deps: Deps, idOrEmail: string): Promise<PersonInfo> {
  const pool = target(deps);
  const person = (await listPeople(deps)).find((p) => p.id === idOrEmail || p.email === idOrEmail);
  if (!person) throw new NotFound(`nobody in the team is ${idOrEmail.includes("@") ? "called that" : idOrEmail}`);
  await deps.db.send(new DeleteCommand({ TableName: deps.table, Key: personKey(person.id) }));
  try {
    await cognitoCall(pool, "AdminDeleteUser", { UserPoolId: pool.userPoolId, Username: person.id });
  } catch (err) {
    if (!(err instanceof CognitoError && err.type === "UserNotFoundException")) throw err;
  }
  return person;
}

/**
 * The principal a verified token's `sub` stands for, or null when they are not (or no longer)
 * in the directory. One consistent read, so a removal takes effect on the next request.
 */
export async function personPrincipal(deps: Pick<Deps, "db" | "table">, sub: string): Promise<Principal | null> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: personKey(sub), ConsistentRead: true }));
  if (!result.Item) return null;
  const person = toPerson(result.Item);
  return { type: "person", id: person.id, scopes: ROLE_SCOPES[person.role], role: person.role, name: person.name ?? person.email };
}

function toPerson(item: Record<string, unknown>): PersonInfo {
  return {
    id: item.id as string,
    email: item.email as string,
    ...(item.name ? { name: item.name as string } : {}),
    role: item.role as Role,
    createdAt: item.createdAt as string,
  };
}

function attribute(attributes: { Name: string; Value: string }[] | undefined, name: string): string {
  const value = attributes?.find((a) => a.Name === name)?.Value;
  if (!value) throw new Error(`the user pool answered without the user's ${name}`);
  return value;
}

/**
 * 20 random letters and digits, with one of each kind Cognito's default policy asks for
 * (upper, lower, digit, symbol): over 110 bits.
 */
function generatePassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const body = Array.from({ length: 20 }, () => alphabet[randomInt(alphabet.length)]).join("");
  const required = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "-_.!"].map((set) => set[randomInt(set.length)]).join("");
  return `${body}${required}`;
}

/** A person's email address by their id (access pattern 18), for what is sent to them (a campaign's test send). */
export async function personEmail(deps: Pick<Deps, "db" | "table">, sub: string): Promise<string | undefined> {
  const result = await deps.db.send(new GetCommand({ TableName: deps.table, Key: personKey(sub), ConsistentRead: true }));
  return result.Item ? toPerson(result.Item).email : undefined;
}

import { addPerson, listPeople, removePerson } from "../../shared/auth/people.ts";
import { ROLES, type Role } from "../../shared/auth/roles.ts";
import { Conflict, NotFound } from "../../shared/core/errors.ts";
import { normalizeEmail } from "../../shared/customers/email.ts";
import type { Command, CommandContext } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";
import { table } from "../format.ts";

function email(raw: string, command: string): string {
  const value = normalizeEmail(raw);
  if (!value) throw new UsageError(`"${raw}" is not an email address`, command);
  return value;
}

async function peopleDeps(ctx: CommandContext) {
  const deps = await ctx.deps();
  if (!deps.config.people.userPoolId) {
    throw new CliFailure(
      ctx.values.stack
        ? "this stack has no UserPoolId output: deploy this version of Rapport first"
        : "no local user pool yet: run `npm start` first (it creates one)",
    );
  }
  return deps;
}

export const peopleAdd: Command = {
  name: "people add",
  positionals: ["EMAIL"],
  summary:
    "Add a person who signs in as owner or staff. On AWS Cognito emails them an invitation with a temporary password; locally a password is set and printed alone on the last line of stdout.",
  options: {
    role: {
      type: "string",
      value: "ROLE",
      description: `${ROLES.join(" or ")}: staff may do everything but erasure, people, API keys and campaign edits (required)`,
    },
    name: { type: "string", value: "NAME", description: "their name, shown on what they change" },
  },
  notes: ['Example: PASSWORD=$(npx rapport people add sam@shop.example --role staff --name "Sam Lee")'],
  async run(ctx) {
    const address = email(ctx.args[0]!, "people add");
    const role = ctx.values.role as string | undefined;
    if (!role) throw new UsageError(`--role is required: ${ROLES.join(" or ")}`, "people add");
    if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`unknown role "${role}": use ${ROLES.join(" or ")}`, "people add");
    const name = (ctx.values.name as string | undefined)?.trim() || undefined;
    const deps = await peopleDeps(ctx);
    try {
      const { person, password, invited } = await addPerson(deps, { email: address, role: role as Role, ...(name ? { name } : {}) });
      ctx.err(`Added ${person.email} as ${person.role} (id ${person.id}).`);
      if (invited) ctx.err("Cognito has emailed them an invitation with a temporary password; they choose their own at first sign-in.");
      if (password) {
        ctx.err("Their password is shown only this once (no mail goes out on the local stack); it is not stored by Rapport.");
        ctx.out(password);
      }
    } catch (err) {
      if (err instanceof Conflict) throw new CliFailure(err.message);
      throw err;
    }
  },
};

export const peopleList: Command = {
  name: "people list",
  summary: "List the people who sign in: email, name, role, id, added.",
  async run(ctx) {
    const people = await listPeople(await peopleDeps(ctx));
    if (people.length === 0) {
      ctx.err("Nobody signs in yet. Add someone with: npx rapport people add EMAIL --role owner");
      return;
    }
    const when = (iso: string) => `${iso.slice(0, 19).replace("T", " ")}Z`;
    for (const line of table(
      ["EMAIL", "NAME", "ROLE", "ID", "ADDED"],
      people.map((p) => [p.email, p.name ?? "-", p.role, p.id, when(p.createdAt)]),
    ))
      ctx.out(line);
  },
};

export const peopleRemove: Command = {
  name: "people remove",
  positionals: ["EMAIL"],
  summary: "Remove a person: their access ends at once, even with a token they still hold, and their Cognito user is deleted.",
  async run(ctx) {
    const address = email(ctx.args[0]!, "people remove");
    const deps = await peopleDeps(ctx);
    try {
      const person = await removePerson(deps, address);
      ctx.err(`Removed ${person.email} (${person.role}).`);
    } catch (err) {
      if (err instanceof NotFound) throw new CliFailure(`nobody in the team has the email ${address}`);
      throw err;
    }
  },
};

export const peopleCommands: Command[] = [peopleAdd, peopleList, peopleRemove];

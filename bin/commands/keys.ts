import { createApiKey, listApiKeys, revokeApiKey, SCOPES } from "../../shared/auth/api-keys.ts";
import { fixedClock } from "../../shared/core/clock.ts";
import { NotFound } from "../../shared/core/errors.ts";
import type { Scope } from "../../shared/http/routes.ts";
import type { Command } from "../cli.ts";
import { CliFailure, UsageError } from "../cli.ts";
import { table } from "../format.ts";

const KEY_ID = /^[0-9a-f]{12}$/;
const KEY = /^rk_[A-Za-z0-9_-]{43}$/;

/** `--scope admin --scope leads:write` and `--scope admin,leads:write` both work. */
export function parseScopes(raw: string[] | undefined): Scope[] {
  const given = (raw ?? [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  if (given.length === 0) throw new UsageError(`--scope is required: ${SCOPES.join(" or ")}`);
  const unknown = given.filter((s) => !SCOPES.includes(s as Scope));
  if (unknown.length) throw new UsageError(`unknown scope ${unknown.map((s) => `"${s}"`).join(", ")}: use ${SCOPES.join(" or ")}`);
  return [...new Set(given as Scope[])];
}

export const keysCreate: Command = {
  name: "keys create",
  summary: "Create an API key. The key is printed once, alone on the last line of stdout (the rest goes to stderr); only its hash is stored.",
  options: {
    scope: { type: "string", multiple: true, value: "SCOPE", description: `${SCOPES.join(" or ")}; repeat or comma-separate for several (required)` },
    name: { type: "string", value: "N", description: "a label to recognise the key by in `keys list`" },
  },
  notes: ['Example: KEY=$(npx rapport keys create --scope leads:write --name "website form")'],
  async run(ctx) {
    const scopes = parseScopes(ctx.values.scope as string[] | undefined);
    const name = (ctx.values.name as string | undefined)?.trim() || undefined;
    const deps = await ctx.deps();
    const { key, info } = await createApiKey(deps, { scopes, ...(name ? { name } : {}) });
    ctx.err(`Created API key ${info.id} "${info.name}" with scope ${info.scopes.join(", ")}.`);
    ctx.err("It is shown only this once; store it now. Send it as `Authorization: Bearer <key>`.");
    ctx.err(`Revoke it with: npx rapport keys revoke ${info.id}`);
    ctx.out(key);
  },
};

export const keysRevoke: Command = {
  name: "keys revoke",
  positionals: ["ID|KEY"],
  summary: "Revoke an API key by its 12-hex-digit id (as `keys create` and `keys list` show it) or by the key itself.",
  async run(ctx) {
    const idOrKey = ctx.args[0]!.trim();
    if (!KEY_ID.test(idOrKey) && !KEY.test(idOrKey)) throw new UsageError(`"${idOrKey}" is neither a key id (12 hex digits) nor an API key (rk_...)`);
    const deps = await ctx.deps();
    const now = deps.clock.now();
    try {
      // A fixed clock: a revokedAt different from it means the key was revoked before.
      const info = await revokeApiKey({ ...deps, clock: fixedClock(now) }, idOrKey);
      const what = `API key ${info.id} "${info.name}" (${info.scopes.join(", ")})`;
      ctx.err(info.revokedAt === now.toISOString() ? `Revoked ${what}.` : `${what} was already revoked at ${info.revokedAt}.`);
    } catch (err) {
      if (err instanceof NotFound) throw new CliFailure(`no API key ${KEY_ID.test(idOrKey) ? idOrKey : "matches that key"}`);
      throw err;
    }
  },
};

export const keysList: Command = {
  name: "keys list",
  summary: "List API keys: id, name, scopes, created, revoked. Keys themselves are never stored, so never shown.",
  async run(ctx) {
    const keys = (await listApiKeys(await ctx.deps())).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    if (keys.length === 0) {
      ctx.err("No API keys yet. Create one with: npx rapport keys create --scope admin");
      return;
    }
    const when = (iso: string | undefined) => (iso ? `${iso.slice(0, 19).replace("T", " ")}Z` : "-");
    for (const line of table(
      ["ID", "NAME", "SCOPES", "CREATED", "REVOKED"],
      keys.map((k) => [k.id, k.name, k.scopes.join(","), when(k.createdAt), when(k.revokedAt)]),
    )) {
      ctx.out(line);
    }
  },
};

#!/usr/bin/env node
/**
 * `npx rapport <command>`: the operator CLI, against the local stack (`npm start`) or a deployed
 * one (`--stack NAME`). Results go to stdout, everything for the person at the terminal to
 * stderr. Exit codes: 0 ok, 1 failure, 2 usage error. A command is one entry in COMMANDS.
 */
import type { Deps } from "../shared/core/deps.ts";
import { NotFound, ValidationError } from "../shared/core/errors.ts";
import type { Command, CommandContext } from "./cli.ts";
import { CliFailure, commandHelp, groupHelp, mainHelp, parseCall, UsageError } from "./cli.ts";
import { campaignsList } from "./commands/campaigns.ts";
import { connectionCommands } from "./commands/connections.ts";
import { exportCommand } from "./commands/export.ts";
import { importCommand } from "./commands/import.ts";
import { keysCreate, keysList, keysRevoke } from "./commands/keys.ts";
import { peopleCommands } from "./commands/people.ts";
import { perkCommands } from "./commands/perks.ts";
import { reportCommands } from "./commands/reports.ts";
import { seed } from "./commands/seed.ts";
import { sweep } from "./commands/sweep.ts";
import { webhookCommands } from "./commands/webhooks.ts";
import { connect } from "./connect.ts";

/** Every command, in the order help lists them. */
export const COMMANDS: Command[] = [
  keysCreate,
  keysRevoke,
  keysList,
  ...peopleCommands,
  seed,
  sweep,
  campaignsList,
  importCommand,
  exportCommand,
  ...reportCommands,
  ...connectionCommands,
  ...webhookCommands,
  ...perkCommands,
];

const ENVIRONMENT: [string, string][] = [
  ["PORT", "API port of the local stack (default 3000)"],
  ["DYNAMODB_PORT", "DynamoDB Local port (default 8000)"],
  ["SES_PORT", "SES local and its mail viewer (default 8005)"],
  ["COGNITO_PORT", "cognito-local, where people sign in (default 9229)"],
  ["RAPPORT_DATA_DIR", "where the local stack keeps its data (default .rapport/)"],
];

const SCRIPTING: [string, string][] = [
  ["DYNAMODB_ENDPOINT", "DynamoDB endpoint to use instead of http://127.0.0.1:$DYNAMODB_PORT"],
  ["RAPPORT_TABLE", 'table name to use instead of "rapport"'],
  ["COGNITO_ENDPOINT, COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID", "the user pool to use instead of the one npm start made"],
  ["RAPPORT_DEBUG=1", "print the stack trace of an unexpected error"],
];

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const out = (line: string) => void process.stdout.write(`${line}\n`);
  const err = (line: string) => void process.stderr.write(`${line}\n`);
  let name = "rapport";
  let deps: Deps | undefined;
  try {
    const call = parseCall(COMMANDS, argv);
    if (call.help) {
      out(call.command ? commandHelp(call.command) : call.group ? groupHelp(COMMANDS, call.group) : mainHelp(COMMANDS, ENVIRONMENT, SCRIPTING));
      return 0;
    }
    const command = call.command!;
    name = `rapport ${command.name}`;
    const ctx: CommandContext = {
      values: call.values,
      args: call.args,
      deps: async () => (deps ??= await connect({ stack: call.values.stack as string | undefined, region: call.values.region as string | undefined, env })),
      out,
      err,
      stderr: process.stderr,
    };
    await command.run(ctx);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.command) name = `rapport ${e.command}`;
      err(`${name}: ${e.message} (see ${name} --help)`);
      return 2;
    }
    if (e instanceof ValidationError) {
      err(`${name}: ${e.fields.map((f) => `${f.field} ${f.message}`).join("; ")}`);
      return 2;
    }
    if (e instanceof CliFailure || e instanceof NotFound) {
      err(`${name}: ${e.message}`);
      return 1;
    }
    const error = e as Error;
    if (env.RAPPORT_DEBUG) err(`${name}: ${error.stack ?? error.message}`);
    else err(`${name}: ${error.name && error.name !== "Error" ? `${error.name}: ` : ""}${error.message} (RAPPORT_DEBUG=1 shows the stack trace)`);
    return 1;
  } finally {
    deps?.db.destroy();
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);

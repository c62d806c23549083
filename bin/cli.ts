import { parseArgs } from "node:util";
import type { Deps } from "../shared/core/deps.ts";

/**
 * The small framework `bin/rapport.ts` is built on: a command is a name ("keys create"), its
 * options and positionals, and a `run`. Parsing, help text and exit codes live here once, so a
 * new command is one entry in the command table.
 */

/** A mistake in how the CLI was called: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** The command being called, when known, so the message can name it. */
  command?: string;
  constructor(message: string, command?: string) {
    super(message);
    if (command) this.command = command;
  }
}

/** A failure the user should read as one line (nothing listening, no such key...): exit code 1. */
export class CliFailure extends Error {
  override name = "CliFailure";
}

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** Placeholder for the value in help, e.g. "N". */
  value?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  /** Parsed options (global and the command's own). */
  values: OptionValues;
  /** Positionals after the command name. */
  args: string[];
  /** The table to work on: the local stack, or the deployed one named by --stack. Built on first call. */
  deps(): Promise<Deps>;
  /** Writes one line to stdout (results meant for pipes). */
  out(line: string): void;
  /** Writes one line to stderr (messages for the person at the terminal). */
  err(line: string): void;
  /** Raw stderr, for in-place progress lines. */
  stderr: NodeJS.WriteStream;
}

export interface Command {
  /** Words that select the command, e.g. "keys create". */
  name: string;
  /** Positional arguments, as shown in help; a name in [brackets] is optional. */
  positionals?: string[];
  summary: string;
  options?: Record<string, OptionSpec>;
  /** Extra help lines shown under the command. */
  notes?: string[];
  run(ctx: CommandContext): Promise<void>;
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  stack: {
    type: "string",
    value: "NAME",
    description: "work on a deployed stack: the table comes from its CloudFormation output TableName (default AWS credential chain)",
  },
  region: { type: "string", value: "R", description: "region of --stack (default: AWS_REGION, then your AWS profile's region)" },
  help: { type: "boolean", short: "h", description: "show help; `rapport <command> --help` for one command" },
};

export interface ParsedCall {
  /** Undefined when help for everything (or a group) was asked for or no command was given. */
  command?: Command;
  /** The words of a command group when only the group was given ("keys"). */
  group?: string;
  values: OptionValues;
  args: string[];
  help: boolean;
}

function toParseArgsOptions(specs: Record<string, OptionSpec>) {
  return Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) }]),
  );
}

/** Node's parseArgs messages are long and mention internals; say the same thing in one short line. */
function usageFromParseError(err: unknown, command: string): UsageError {
  const e = err as Error & { code?: string };
  const option = /'(-[^' ]+)/.exec(e.message)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option ${option ?? e.message}`, command);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(option && /argument missing/.test(e.message) ? `${option} needs a value` : e.message, command);
    default:
      return new UsageError(e.message, command);
  }
}

/**
 * Finds the command (the longest name matching the leading positionals) and parses its options
 * strictly. A first, lenient pass with every known option finds the positionals, so option values
 * are never mistaken for command words.
 */
export function parseCall(commands: Command[], argv: string[]): ParsedCall {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const c of commands) Object.assign(all, c.options);
  const lenient = parseArgs({ args: argv, options: toParseArgsOptions(all), strict: false, allowPositionals: true });
  const words = lenient.positionals;
  const help = lenient.values.help === true;
  const command = [...commands]
    .sort((a, b) => b.name.split(" ").length - a.name.split(" ").length)
    .find((c) => c.name.split(" ").every((w, i) => words[i] === w));
  if (!command) {
    if (words.length === 0) {
      if (help || argv.length === 0) return { values: lenient.values, args: [], help: true };
      throw new UsageError("no command given");
    }
    const group = commands.some((c) => c.name.startsWith(`${words[0]} `)) ? words[0] : undefined;
    if (group && (words.length === 1 || help)) {
      if (help) return { group, values: lenient.values, args: [], help: true };
      throw new UsageError(`"${group}" needs a subcommand: ${subcommands(commands, group).join(", ")}`);
    }
    throw new UsageError(`unknown command "${words.slice(0, group ? 2 : 1).join(" ")}"`);
  }
  if (help) return { command, values: lenient.values, args: [], help: true };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: toParseArgsOptions({ ...GLOBAL_OPTIONS, ...command.options }), strict: true, allowPositionals: true });
  } catch (err) {
    throw usageFromParseError(err, command.name);
  }
  const args = parsed.positionals.slice(command.name.split(" ").length);
  const specs = command.positionals ?? [];
  const required = specs.filter((p) => !p.startsWith("[")).length;
  if (args.length < required) throw new UsageError(`missing ${specs.slice(args.length, required).join(" ")}`, command.name);
  if (args.length > specs.length) throw new UsageError(`unexpected argument "${args[specs.length]}"`, command.name);
  return { command, values: parsed.values as OptionValues, args, help: false };
}

function subcommands(commands: Command[], group: string): string[] {
  return commands.filter((c) => c.name.startsWith(`${group} `)).map((c) => c.name.slice(group.length + 1));
}

function optionLabel(name: string, spec: OptionSpec): string {
  return `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
}

/** One line per command: name, positionals and options, as one would type them. */
export function synopsis(command: Command): string {
  const options = Object.entries(command.options ?? {}).map(([name, spec]) => {
    const label = optionLabel(name, spec);
    return spec.description.includes("(required)") ? label : `[${label}]`;
  });
  return ["rapport", command.name, ...(command.positionals ?? []), ...options].join(" ");
}

function columns(rows: [string, string][], indent: string): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`);
}

export function commandHelp(command: Command): string {
  const lines = [`Usage: ${synopsis(command)}`, "", command.summary];
  const options = Object.entries(command.options ?? {});
  if (options.length)
    lines.push(
      "",
      "Options:",
      ...columns(
        options.map(([name, spec]) => [optionLabel(name, spec), spec.description]),
        "  ",
      ),
    );
  if (command.notes?.length) lines.push("", ...command.notes);
  lines.push(
    "",
    "Global options:",
    ...columns(
      Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => [optionLabel(name, spec), spec.description]),
      "  ",
    ),
  );
  return lines.join("\n");
}

export function groupHelp(commands: Command[], group: string): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  return [
    `Usage: rapport ${group} <${subcommands(commands, group).join("|")}>`,
    "",
    ...columns(
      members.map((c) => [synopsis(c), c.summary]),
      "  ",
    ),
  ].join("\n");
}

export function mainHelp(commands: Command[], environment: [string, string][], scripting: [string, string][]): string {
  const lines = ["rapport: the Rapport operator CLI", "", "Usage: rapport [--stack NAME [--region R]] <command> [options]", "", "Commands:"];
  for (const c of commands) {
    lines.push(`  ${synopsis(c)}`, `      ${c.summary}`);
    for (const row of columns(
      Object.entries(c.options ?? {}).map(([name, spec]) => [optionLabel(name, spec), spec.description]),
      "      ",
    ))
      lines.push(row);
  }
  lines.push(
    "",
    "Global options:",
    ...columns(
      Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => [optionLabel(name, spec), spec.description]),
      "  ",
    ),
    "",
    "Without --stack the CLI works on the local stack that `npm start` runs, and reads the same variables:",
    ...columns(environment, "  "),
    "",
    "For tests and scripts:",
    ...columns(scripting, "  "),
    "",
    "Exit codes: 0 ok, 1 failure, 2 usage error.",
  );
  return lines.join("\n");
}

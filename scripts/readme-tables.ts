/**
 * The README's reference tables, generated from the code so they cannot drift: the inputs from
 * `FIELDS` (the user's: `USER_FIELDS`), the outputs from the TSDoc of `AppAuthorization` (and the base class it shares with
 * `ApigAppAuthorization`), the settings from `SETTING_SPECS`;
 * and `provider/args.ts`, the `AppAuthorizationArgs` interface, from `FIELDS`. `npm run
 * docs:readme` rewrites them; tests fail when the README or `args.ts` is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";
import { fieldDoc, FIELDS, USER_FIELDS, type FieldSpec } from "../provider/fields";
import { SETTING_SPECS } from "../provider/settings";

const ROOT = join(__dirname, __dirname.endsWith(join("dist", "scripts")) ? "../.." : "..");

interface Member {
  name: string;
  type: string;
  optional: boolean;
  doc: string;
}

/** The members of an interface or the declared properties of a class in `provider/resource.ts`. */
function members(declarationName: string): Member[] {
  const file = join(ROOT, "provider/resource.ts");
  const source = ts.createSourceFile(
    file,
    readFileSync(file, "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const found: Member[] = [];
  source.forEachChild((node) => {
    if (
      !(ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) ||
      node.name?.text !== declarationName
    )
      return;
    for (const member of node.members) {
      if (!(ts.isPropertySignature(member) || ts.isPropertyDeclaration(member)) || !member.type)
        continue;
      const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      found.push({
        name: member.name.getText(source),
        type: simplify(member.type.getText(source)),
        optional: member.questionToken !== undefined,
        doc: docs
          .map((d) => ts.getTextOfJSDocComment(d.comment) ?? "")
          .join(" ")
          .replace(/\s+/g, " ")
          .trim(),
      });
    }
  });
  if (found.length === 0) throw new Error(`no members found for ${declarationName}`);
  return found;
}

// `pulumi.Input<pulumi.Input<string>[]>` reads as `string[]` in a table.
function simplify(type: string): string {
  let t = type.replace(/\s+/g, " ");
  for (let before = ""; before !== t;) {
    before = t;
    t = t.replace(/pulumi\.(Input|Output)<([^<>]*(?:<[^<>]*>)?[^<>]*)>/g, "$2");
  }
  return t;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function inputsTable(): string {
  return [
    "| input | type | required | description |",
    "|---|---|---|---|",
    ...USER_FIELDS.map((name) => {
      const spec: FieldSpec = FIELDS[name];
      return `| \`${name}\` | \`${cell(spec.type)}\` | ${spec.required ? "yes" : "no"} | ${cell(fieldDoc(name))} |`;
    }),
  ].join("\n");
}

/** Where the generated `AppAuthorizationArgs` lives. */
export const ARGS_FILE = join(ROOT, "provider/args.ts");

/**
 * `provider/args.ts`: the `AppAuthorizationArgs` interface, one `pulumi.Input` member per field of
 * `FIELDS` with its documentation as TSDoc (a TypeScript interface cannot be derived from runtime
 * data with its docs, so it is written out; a test fails when the file is stale).
 */
export function argsSource(): string {
  const members = USER_FIELDS.flatMap((name) => {
    const spec: FieldSpec = FIELDS[name];
    return [
      ...tsdoc(fieldDoc(name), "  "),
      `  ${name}${spec.required ? "" : "?"}: ${inputType(spec.type)};`,
    ];
  });
  return [
    "// Generated from provider/fields.ts by `npm run docs:readme`: edit FIELDS there, not this file.",
    'import type * as pulumi from "@pulumi/pulumi";',
    'import type { AuthTunnel, VisitParam } from "./types";',
    "",
    "/** The inputs of an `AppAuthorization`. */",
    "export interface AppAuthorizationArgs {",
    ...members,
    "}",
    "",
  ].join("\n");
}

// `string[]` takes a list of inputs; anything else one input.
function inputType(type: string): string {
  return type.endsWith("[]")
    ? `pulumi.Input<pulumi.Input<${type.slice(0, -2)}>[]>`
    : `pulumi.Input<${type}>`;
}

// A TSDoc comment at `indent`, its lines within 100 columns as Prettier leaves them.
function tsdoc(text: string, indent: string): string[] {
  if (indent.length + text.length + 7 <= 100) return [`${indent}/** ${text} */`];
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent.length + 3 + line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
}

// AppAuthorization's outputs, those it shares with ApigAppAuthorization and its own (which win): the
// inputs in the field table's order, then the rest as declared.
function outputMembers(): Member[] {
  const own = members("AppAuthorization");
  const shared = members("GatewayAppAuthorization").filter(
    (m) => !own.some((o) => o.name === m.name),
  );
  const all = [...shared, ...own];
  const rank = (m: Member) => {
    const i = (USER_FIELDS as readonly string[]).indexOf(m.name);
    return i < 0 ? USER_FIELDS.length : i;
  };
  return all
    .map((m, i) => ({ m, i }))
    .sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i)
    .map(({ m }) => m);
}

export function outputsTable(): string {
  return [
    "| output | type | description |",
    "|---|---|---|",
    "| `id` | `string` | The resource id: `{instanceId}/{envId}/{8 hex}`, stable across in-place updates. |",
    ...outputMembers().map(
      (m) =>
        `| \`${m.name}\` | \`${cell(m.type)}\` | ${cell(m.doc || "The input, as `check` normalized it.")} |`,
    ),
  ].join("\n");
}

export function settingsTable(): string {
  return [
    "| setting | stack config (first found wins) | environment | secret | description |",
    "|---|---|---|---|---|",
    ...Object.entries(SETTING_SPECS).map(([name, spec]) => {
      const secret = "secret" in spec && spec.secret ? "yes" : "";
      const config = spec.config.map((k) => `\`${k}\``).join(", ");
      const env = spec.env.map((k) => `\`${k}\``).join(", ");
      return `| ${name} | ${config} | ${env} | ${secret} | ${cell(spec.description)} |`;
    }),
  ].join("\n");
}

/** `readme` with every generated table replaced by its current rendering. */
export function withTables(readme: string): string {
  const tables: Record<string, () => string> = {
    inputs: inputsTable,
    outputs: outputsTable,
    settings: settingsTable,
  };
  let out = readme;
  for (const [name, render] of Object.entries(tables)) {
    const pattern = new RegExp(`(<!-- ${name}:begin -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
    if (!pattern.test(out))
      throw new Error(`README has no <!-- ${name}:begin --> ... <!-- ${name}:end --> markers`);
    out = out.replace(pattern, (_all, begin: string, end: string) => `${begin}${render()}${end}`);
  }
  return out;
}

if (require.main === module) {
  const file = join(ROOT, "README.md");
  writeFileSync(file, withTables(readFileSync(file, "utf8")));
  writeFileSync(ARGS_FILE, argsSource());
}

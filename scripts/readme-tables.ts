/**
 * The README's reference tables, generated from the code so they cannot drift: the inputs and
 * outputs from the TSDoc of `AppAuthorizationArgs` and `AppAuthorization`, the settings from
 * `SETTING_SPECS`. `npm run docs:readme` rewrites them; a test fails when the README is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";
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
    ...members("AppAuthorizationArgs").map(
      (m) =>
        `| \`${m.name}\` | \`${cell(m.type)}\` | ${m.optional ? "no" : "yes"} | ${cell(m.doc)} |`,
    ),
  ].join("\n");
}

export function outputsTable(): string {
  return [
    "| output | type | description |",
    "|---|---|---|",
    "| `id` | `string` | The resource id: `{instanceId}/{envId}/{8 hex}`, stable across in-place updates. |",
    ...members("AppAuthorization").map(
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
}

import { inspect } from "node:util";

const REDACTED = "[redacted]";
// Every credential value this process holds, so text from elsewhere (an API's error message that
// echoes a token, a network library's error) can be scrubbed before it reaches the user.
const REGISTRY_KEY = "__pulumiRomaAppAuthSecrets_v1";

/**
 * A credential value that cannot leak by accident: printing, string interpolation and JSON all show
 * `[redacted]`; only `reveal()` gives the value, at the one place a request is signed or sent.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.defineProperty(this, inspect.custom, { value: () => REDACTED });
    registry().add(value);
  }

  /** The credential itself. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }
}

/**
 * `text` with every credential value this process knows replaced by `[redacted]`, in every form a
 * server or a library may echo it: as is, JSON-escaped (once or twice, with `\\u` escapes for what
 * Go, Python or Java escape, hex in either case), percent-encoded (once or twice, hex in any mix of
 * cases, `+` for spaces too), HTML-escaped, and base64 (standard or URL-safe, padded or not).
 * Values of any length.
 * Call it before cutting a text short, so no cut can split a value past recognition.
 */
export function scrub(text: string): string {
  const pattern = formsPattern();
  if (!pattern) return text;
  // One pass, longest form first, over the text between markers written before: a value of a few
  // characters never matches inside a marker.
  return text
    .split(REDACTED)
    .map((part) => part.replace(pattern, REDACTED))
    .join(REDACTED);
}

/**
 * {@link scrub} for text from outside (an answer's message, a library's error), which may end in a
 * value the sender cut short: a trailing start of any form, two characters or more, goes too.
 */
export function scrubOutside(text: string): string {
  const out = scrub(text);
  let cut = out.length;
  for (const form of allForms()) cut = Math.min(cut, cutStart(out, form));
  return cut === out.length ? out : `${out.slice(0, cut)}${REDACTED}`;
}

// Where the longest start of `form` (MIN_CUT characters or more) that ends `text` begins, or the
// text's length. Jumps between occurrences of the form's first character, so a token of kilobytes
// costs little more than one pass over the text's tail.
function cutStart(text: string, form: string): number {
  let at = text.indexOf(form[0], Math.max(0, text.length - form.length + 1));
  while (at >= 0 && text.length - at >= MIN_CUT) {
    if (form.startsWith(text.slice(at))) return at;
    at = text.indexOf(form[0], at + 1);
  }
  return text.length;
}

// One or two characters at the end of a message match the start of some encoded credential in one
// message out of a few dozen; two or more leave that to chance one time in thousands.
const MIN_CUT = 2;

/** The forms `value` may take in text, longest first. */
export function secretForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const percent = encodeURIComponent(value);
  const bytes = Buffer.from(value, "utf8");
  const forms = [
    value,
    json,
    JSON.stringify(json).slice(1, -1),
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (c) => c.toLowerCase()),
    percent.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    new URLSearchParams({ v: value }).toString().slice(2),
    encodeURIComponent(percent),
    // What other JSON encoders escape: Go `<`, `>`, `&`; Python everything outside ASCII; both.
    json.replace(/[<>&\u2028\u2029]/g, unicodeEscape),
    json.replace(/[^\x20-\x7e]+/g, unicodeEscape),
    json.replace(/[^\x20-\x7e]+|[<>&']/g, unicodeEscape),
    value.replace(/[&"<>']/g, (c) => HTML_ESCAPES[c]),
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
  ];
  return [...new Set(forms)].filter((f) => f !== "").sort((a, b) => b.length - a.length);
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  '"': "&quot;",
  "<": "&lt;",
  ">": "&gt;",
  "'": "&#39;",
};

// `\uXXXX` for each UTF-16 code unit of `text`, as JSON encoders write what they escape.
function unicodeEscape(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++)
    out += `\\u${text.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

// A form as a pattern: its hex escapes (`%2F`, `\u00e9`) match in any mix of cases, the way
// servers write them; every other character stands for itself.
function formSource(form: string): string {
  return form.replace(/%(?:25)?[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|[\s\S]/g, (token) =>
    token.length === 1
      ? token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      : token
          .replace(/\\/g, "\\\\")
          .replace(/[0-9A-Fa-f](?=[0-9A-Fa-f]*$)/g, (d) =>
            /\d/.test(d) ? d : `[${d.toLowerCase()}${d.toUpperCase()}]`,
          ),
  );
}

function allForms(): string[] {
  const cache = formCache();
  const forms: string[] = [];
  for (const value of registry()) {
    let known = cache.get(value);
    if (!known) cache.set(value, (known = secretForms(value)));
    forms.push(...known);
  }
  return forms.sort((a, b) => b.length - a.length);
}

// One alternation of every form, longest first, rebuilt when a secret is added.
function formsPattern(): RegExp | undefined {
  const slot = globalThis as unknown as Record<
    string,
    { size: number; pattern?: RegExp } | undefined
  >;
  const key = `${REGISTRY_KEY}_pattern`;
  const held = slot[key];
  if (held && held.size === registry().size) return held.pattern;
  const forms = allForms();
  const pattern = forms.length === 0 ? undefined : new RegExp(forms.map(formSource).join("|"), "g");
  slot[key] = { size: registry().size, pattern };
  return pattern;
}

function registry(): Set<string> {
  const slot = globalThis as unknown as Record<string, Set<string> | undefined>;
  return (slot[REGISTRY_KEY] ??= new Set());
}

function formCache(): Map<string, string[]> {
  const slot = globalThis as unknown as Record<string, Map<string, string[]> | undefined>;
  return (slot[`${REGISTRY_KEY}_forms`] ??= new Map<string, string[]>());
}

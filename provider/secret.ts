import { inspect } from "node:util";

const REDACTED = "[redacted]";
// Every credential value this process holds, so text from elsewhere (an API's error message that
// echoes a token, a network library's error) can be scrubbed before it reaches the user. The
// version names the shape held there.
const REGISTRY_KEY = "__pulumiRomaAppAuthSecrets_v2";

/**
 * A credential value that cannot leak by accident: printing, string interpolation and JSON all show
 * `[redacted]`; only `reveal()` gives the value, at the one place a request is signed or sent.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.defineProperty(this, inspect.custom, { value: () => REDACTED });
    registry().values.add(value);
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
  const { pattern } = compiled();
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
  for (const form of compiled().forms) cut = Math.min(cut, cutStart(out, form));
  return cut === out.length ? out : `${out.slice(0, cut)}${REDACTED}`;
}

// Where the longest start of `form` (MIN_CUT characters or more) that ends `text` begins, or the
// text's length. Jumps between occurrences of the form's first character, so a token of kilobytes
// costs little more than one pass over the text's tail. A whole form was scrubbed already, so the
// start is shorter than the form (`indexOf` reads a negative position as 0).
function cutStart(text: string, form: string): number {
  let at = text.indexOf(form[0], text.length - form.length + 1);
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
      : // In `%XX`, `%25XX` and `\uXXXX` every letter from a to f is a hex digit.
        token
          .replace(/\\/g, "\\\\")
          .replace(/[A-Fa-f]/g, (d) => `[${d.toLowerCase()}${d.toUpperCase()}]`),
  );
}

// Every form of every value, longest first, and one alternation of them all: rebuilt when a
// secret is added.
function compiled(): Compiled {
  const shared = registry();
  if (shared.compiled?.size !== shared.values.size) {
    const forms = [...shared.values].flatMap(secretForms).sort((a, b) => b.length - a.length);
    const pattern =
      forms.length === 0 ? undefined : new RegExp(forms.map(formSource).join("|"), "g");
    shared.compiled = { size: shared.values.size, forms, pattern };
  }
  return shared.compiled;
}

interface Registry {
  values: Set<string>;
  compiled?: Compiled;
}

interface Compiled {
  /** How many values the forms were made from. */
  size: number;
  forms: string[];
  pattern: RegExp | undefined;
}

// Held on the global object, so that every copy of this module loaded in the process knows every
// credential.
function registry(): Registry {
  const slot = globalThis as unknown as Record<string, Registry | undefined>;
  return (slot[REGISTRY_KEY] ??= { values: new Set() });
}

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
  /** The credential itself. */
  readonly reveal: () => string;

  constructor(value: string) {
    // A closure rather than a `#private` field: Pulumi's closure serializer copies methods out of
    // their class body, where private names are a syntax error.
    this.reveal = () => value;
    Object.defineProperty(this, inspect.custom, { value: () => REDACTED });
    registry().add(value);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }
}

/** `text` with every credential value this process knows replaced by `[redacted]`. */
export function scrub(text: string): string {
  let out = text;
  for (const value of registry()) {
    if (value.length >= 4 && out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}

function registry(): Set<string> {
  const slot = globalThis as unknown as Record<string, Set<string> | undefined>;
  return (slot[REGISTRY_KEY] ??= new Set());
}

import { inspect } from "node:util";

const REDACTED = "[redacted]";

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
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }
}

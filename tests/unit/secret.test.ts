import { networkError } from "../../provider/http/errors";
import {
  romaApiError as apiError,
  romaErrorFields as errorFields,
} from "../../provider/roma-errors";
import { scrub, scrubOutside, Secret } from "../../provider/secret";

// Every form the test knows a value can take, computed here rather than by the code under test.
function forms(value: string): Record<string, string> {
  const json = JSON.stringify(value).slice(1, -1);
  return {
    raw: value,
    json,
    "json twice": JSON.stringify(json).slice(1, -1),
    "url-encoded": encodeURIComponent(value),
    "url-encoded, lower case": encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (c) =>
      c.toLowerCase(),
    ),
    "form-encoded": new URLSearchParams([["k", value]]).toString().slice(2),
    base64: Buffer.from(value).toString("base64"),
    base64url: Buffer.from(value).toString("base64url"),
  };
}

const PASSWORD = 'p"a\\ss w+rd/é&1=2';
const SHORT = "Zq"; // two characters: still a credential
new Secret(PASSWORD);
new Secret(SHORT);

describe("scrub", () => {
  it.each(Object.entries(forms(PASSWORD)))("removes the %s form anywhere in a text", (_, form) => {
    const out = scrub(`before ${form} after ${form}`);
    expect(out).toBe("before [redacted] after [redacted]");
  });

  it("removes a secret of any length", () => {
    expect(scrub("the key Zq was refused")).toBe("the key [redacted] was refused");
  });

  it.each(Object.entries(forms(PASSWORD)))(
    "removes the %s form cut short at the end of a text from outside, at every length",
    (_, form) => {
      for (let n = 2; n < form.length; n++) {
        const out = scrubOutside(`the server said: ${form.slice(0, n)}`);
        expect(out).toBe("the server said: [redacted]");
      }
    },
  );

  it("leaves other text alone", () => {
    expect(scrubOutside("Invalid parameter value (app_ids).")).toBe(
      "Invalid parameter value (app_ids).",
    );
  });
});

describe("error messages are scrubbed before they are cut", () => {
  const token = new Secret(`tok-${"x".repeat(40)}-end`).reveal();

  it("a non-JSON body whose 200-character cut falls inside a token", () => {
    for (const at of [150, 180, 195, 199]) {
      const body = `${"<p>".padEnd(at, ".")}${token} trailing`;
      const fields = errorFields(502, {}, body, 0);
      expect(fields.apiMessage).not.toMatch(/tok-x/);
      expect(apiError(fields, "do it").message).not.toMatch(/tok-x|xxxx/);
    }
    // Cut first, a single character of the token would be left, too short to recognize.
    const fields = errorFields(502, {}, `${"<p>".padEnd(199, ".")}${token}`, 0);
    expect(fields.apiMessage).toMatch(/\.\[\.\.\.$/);
  });

  it.each([
    ["ROMA", { error_code: "APIG.2011", error_msg: `bad value ${JSON.stringify(PASSWORD)}` }],
    ["IAM", { error: { code: 401, message: `user/pass ${encodeURIComponent(PASSWORD)} wrong` } }],
    ["cut", { error_code: "APIG.2011", error_msg: `bad token ${token.slice(0, 12)}` }],
  ])("an error body of %s's shape", (_, body) => {
    const message = apiError(errorFields(400, {}, body, 0), "do it").message;
    expect(message).toContain("[redacted]");
    for (const form of [...Object.values(forms(PASSWORD)), token.slice(0, 12)]) {
      expect(message).not.toContain(form);
    }
  });

  it("a network error's detail", () => {
    const error = networkError("ECONNRESET", true, "do it", `socket closed after ${token}`);
    expect(error.message).toBe(
      "Could not do it: socket closed after [redacted] (ECONNRESET; no answer from the server).",
    );
  });
});

// Last: a one-character secret garbles every later message of this file.
describe("a one-character secret", () => {
  it("never scrubs inside a marker it wrote, however short the value", () => {
    new Secret("e");
    expect(scrub(scrub("the key Zq was refused"))).toBe(
      "th[redacted] k[redacted]y [redacted] was r[redacted]fus[redacted]d",
    );
  });
});

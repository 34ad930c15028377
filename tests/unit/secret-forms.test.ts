import { inspect } from "node:util";
import { scrub, scrubOutside, Secret, secretForms } from "../../provider/secret";

// Runs first: no secret is known yet in this file's process.
describe("before any secret", () => {
  it("leaves every text alone", () => {
    expect(scrub("a text [redacted] with a marker")).toBe("a text [redacted] with a marker");
    expect(scrubOutside("Tk/é s3cr3t-value QW")).toBe("Tk/é s3cr3t-value QW");
  });
});

describe("Secret", () => {
  it("shows [redacted] in every way it can be printed, and the value only to reveal()", () => {
    const s = new Secret("s3cr3t-value");
    expect(String(s)).toBe("[redacted]");
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- what is tested
    expect(`${s}`).toBe("[redacted]");
    expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
    expect(inspect(s)).toBe("[redacted]");
    expect(inspect({ s })).toBe("{ s: [redacted] }");
    expect(s.reveal()).toBe("s3cr3t-value");
    // Known from its construction on: a later text is scrubbed.
    expect(scrub("got s3cr3t-value")).toBe("got [redacted]");
  });
});

describe("secretForms", () => {
  const value = "Tk/é <&>!'(x)*\"";
  const forms = secretForms(value);
  const json = JSON.stringify(value).slice(1, -1);

  it.each([
    ["as is", value],
    ["JSON-escaped", json],
    ["JSON-escaped twice", JSON.stringify(json).slice(1, -1)],
    ["percent-encoded", encodeURIComponent(value)],
    [
      "percent-encoded, hex in lower case",
      encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (c) => c.toLowerCase()),
    ],
    ["percent-encoded with !'()* too", "Tk%2F%C3%A9%20%3C%26%3E%21%27%28x%29%2A%22"],
    ["form-encoded", "Tk%2F%C3%A9+%3C%26%3E%21%27%28x%29*%22"],
    ["percent-encoded twice", encodeURIComponent(encodeURIComponent(value))],
    ["JSON as Go writes it", "Tk/é \\u003c\\u0026\\u003e!'(x)*\\\""],
    ["JSON as Python writes it", "Tk/\\u00e9 <&>!'(x)*\\\""],
    ["JSON with both", 'Tk/\\u00e9 \\u003c\\u0026\\u003e!\\u0027(x)*\\"'],
    ["HTML-escaped", "Tk/é &lt;&amp;&gt;!&#39;(x)*&quot;"],
    ["base64", Buffer.from(value).toString("base64")],
    ["base64 without padding", Buffer.from(value).toString("base64").replace(/=+$/, "")],
    ["base64url", Buffer.from(value).toString("base64url")],
  ])("holds the value %s", (_what, form) => {
    expect(forms).toContain(form);
  });

  it("lists each form once, none empty, longest first", () => {
    expect(new Set(forms).size).toBe(forms.length);
    expect(forms).not.toContain("");
    const lengths = forms.map((f) => f.length);
    expect(lengths).toStrictEqual([...lengths].sort((a, b) => b - a));
    expect(secretForms("abc")).toStrictEqual(["YWJj", "abc"]);
    // An empty value has no form: an empty alternative would match between every two characters.
    expect(secretForms("")).toStrictEqual([]);
  });

  it("escapes the line separators Go escapes", () => {
    expect(secretForms("a\u2028b")).toContain("a\\u2028b");
  });
});

describe("scrub: forms as servers write them", () => {
  beforeAll(() => new Secret("Tk/é <&>!'(x)*\""));

  it("matches hex escapes in any mix of cases, and other characters exactly", () => {
    expect(scrub("x Tk%2f%c3%A9%20%3c%26%3E%21%27%28x%29%2a%22 y")).toBe("x [redacted] y");
    expect(scrub("x Tk/\\u00E9 <&>!'(x)*\\\" y")).toBe("x [redacted] y");
    // A character that is not an escape is not matched in another case.
    expect(scrub("x tK/é <&>!'(x)*\" y")).toBe("x tK/é <&>!'(x)*\" y");
    // Regular-expression characters in the value stand for themselves.
    expect(scrub("x Tk/é <&>!'(xx)*\" y")).toBe("x Tk/é <&>!'(xx)*\" y");
    expect(scrub("x Tk/é <&>!'x*\" y")).toBe("x Tk/é <&>!'x*\" y");
  });

  it("prefers one secret's longer value to another's that starts it", () => {
    new Secret("pre-1");
    new Secret("pre-1-longer");
    expect(scrub("x pre-1-longer y")).toBe("x [redacted] y");
  });

  it("learns a secret made after a text was scrubbed", () => {
    expect(scrub("later-secret-1")).toBe("later-secret-1");
    new Secret("later-secret-1");
    expect(scrub("a later-secret-1 b")).toBe("a [redacted] b");
  });
});

describe("scrubOutside: a value cut short at the end", () => {
  beforeAll(() => new Secret("QWERTYUIOP"));

  it("removes a start of two characters or more, only at the very end", () => {
    expect(scrubOutside("said QWERT")).toBe("said [redacted]");
    expect(scrubOutside("said QW")).toBe("said [redacted]");
    expect(scrubOutside("said Q")).toBe("said Q");
    expect(scrubOutside("said QWERT.")).toBe("said QWERT.");
    expect(scrubOutside("QWERTYUIOP and QWE")).toBe("[redacted] and [redacted]");
  });

  it("cuts at the earliest start that runs to the end", () => {
    // No form starts "QWQW"; the "QW" that ends the text does.
    expect(scrubOutside("x QWQW")).toBe("x QW[redacted]");
    expect(scrubOutside("QWERTYUIO")).toBe("[redacted]");
  });
});

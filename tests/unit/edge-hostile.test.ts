/**
 * Holes found by a hostile review of the client edge: credential forms the scrubber missed, and a
 * password written back by a settings message.
 */
import { Secret, scrub, scrubOutside } from "../../provider/secret";
import { resolveSettings } from "../../provider/settings";
import { checkInputs, containsUnknown, UNKNOWN } from "../../provider/validate";

// Computed here, independently of the scrubber under test.
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const uEscape = (c: string) =>
  Array.from({ length: c.length }, (_, i) => `\\u${hex(c.charCodeAt(i), 4)}`).join("");

describe("the scrubber catches the forms servers really write", () => {
  const value = "pa\"ss/w:rd&é<x>'😀";
  new Secret(value);
  const percent = encodeURIComponent(value);
  const json = JSON.stringify(value).slice(1, -1);
  const cases: Record<string, string> = {
    "percent-encoding in mixed case": percent.replace(
      /%([0-9A-F])([0-9A-F])/g,
      (_m, a: string, b: string) => `%${a}${b.toLowerCase()}`,
    ),
    "percent-encoding twice": encodeURIComponent(percent),
    "percent-encoding twice, lower case": encodeURIComponent(percent).toLowerCase(),
    "JSON escaping everything outside ASCII (Python's ensure_ascii)": json.replace(
      /[^\x20-\x7e]+/gu,
      uEscape,
    ),
    "JSON escaping <, > and & (Go's encoding/json)": json.replace(/[<>&]/g, uEscape),
    "JSON escaping with upper-case hex (Java)": json.replace(/[^\x20-\x7e<>&']+/gu, (c) =>
      uEscape(c).toUpperCase().replace(/\\U/g, "\\u"),
    ),
    "HTML escaping (an error page)": value
      .replace(/&/g, "&amp;")
      .replace(/"/g, "&quot;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/'/g, "&#39;"),
  };
  test.each(Object.entries(cases))("%s", (_name, form) => {
    expect(form).not.toBe(value);
    const text = `rejected: ${form} (see the docs)`;
    for (const out of [scrub(text), scrubOutside(text)]) {
      expect(out).toBe("rejected: [redacted] (see the docs)");
    }
  });

  test("an ordinary text with escapes in it is left alone", () => {
    const text = "path %2Fv1%2f \\u0026 &amp; stays";
    expect(scrub(text)).toBe(text);
  });
});

describe("settings messages never write a password given in a URL", () => {
  test.each([
    ["https://bob:hunter2secret@roma.example.com", /must not carry user info/],
    ["https://bob:hunter2secret\\@roma.example.com", /not a URL/],
    ["http://bob:hunter2secret@roma.example.com", /must not carry user info/],
    ["ftp://bob:hunter2secret@roma.example.com", /must not carry user info|https/],
  ])("%s", (endpoint, rule) => {
    const config = { get: (k: string) => (k === "roma:endpoint" ? endpoint : undefined) };
    expect(() => resolveSettings(config, {})).toThrow(rule);
    try {
      resolveSettings(config, {});
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
      expect((error as Error).message).toContain("roma:endpoint");
    }
  });
});

describe("check stays bounded on hostile shapes", () => {
  const base = {
    instanceId: "i1",
    envId: "e1",
    appIds: ["a1"],
    apiIds: ["b1"],
    region: "cn-north-4",
  };

  test("a megabyte-long unknown input name is not written back in full", () => {
    const name = "k".repeat(1 << 20);
    const { failures } = checkInputs({ ...base, [name]: 1 }, {});
    expect(failures).toHaveLength(1);
    expect(JSON.stringify(failures).length).toBeLessThan(1000);
    expect(failures[0].reason).toMatch(/an input name of 1048576 characters is not an input/);
  });

  test("inputs nested deeper than the call stack give failures, not a crash", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(containsUnknown(deep)).toBe(false);
    expect(containsUnknown({ a: [deep, [UNKNOWN]] })).toBe(true);
    const { failures } = checkInputs(
      { ...base, appIds: deep, visitParams: [{ appId: deep, apiId: "b1", visitParam: "x" }] },
      {},
    );
    expect(failures.map((f) => f.property)).toEqual(["appIds[0]", "visitParams[0].appId"]);
  });

  test("a megabyte-long field name or id in visitParams is not written back in full", () => {
    const huge = "z".repeat(1 << 20);
    const { failures } = checkInputs(
      { ...base, visitParams: [{ apiId: huge, visitParam: "x", [huge]: 1 }] },
      {},
    );
    expect(failures).toHaveLength(2);
    expect(JSON.stringify(failures).length).toBeLessThan(1000);
  });
});

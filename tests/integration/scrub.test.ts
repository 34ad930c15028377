/**
 * A server that echoes the credential it was sent, in every form, through every error path the
 * provider has: ROMA's and IAM's error bodies, a body that is not JSON, one cut off mid-credential,
 * on create, read and delete, and after retries. No message may carry any of it.
 */
import { configuredProvider, type Settings } from "../support";
import { STUB_INPUTS, stubServer, type StubServer } from "./stubs";

// Computed here, independently of the scrubber under test.
function forms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  return [
    value,
    json,
    JSON.stringify(json).slice(1, -1),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (c) => c.toLowerCase()),
    Buffer.from(value).toString("base64"),
    Buffer.from(value).toString("base64url"),
  ];
}

const CREDENTIALS: Record<string, { settings: Settings; secrets: string[] }> = {
  token: {
    settings: { "roma:token": `MIIT-${"tokenbody".repeat(30)}+/=` },
    secrets: [`MIIT-${"tokenbody".repeat(30)}+/=`],
  },
  "temporary AK/SK": {
    settings: {
      "roma:accessKey": "AKTEMP0123456789",
      "roma:secretKey": 'sk/with+odd=chars"and\\slash',
      "roma:securityToken": "Zq9",
    },
    secrets: ["AKTEMP0123456789", 'sk/with+odd=chars"and\\slash', "Zq9"],
  },
  password: {
    settings: {
      "roma:userName": "alice",
      "roma:password": 'pa"ss\\w ord&é',
      "roma:domainName": "acme",
    },
    secrets: ['pa"ss\\w ord&é'],
  },
};

type Shape = (echo: string) => { status: number; body: string };
const SHAPES: Record<string, Shape> = {
  "ROMA's error body": (echo) => ({
    status: 400,
    body: JSON.stringify({ error_code: "APIG.2011", error_msg: `Invalid value ${echo}` }),
  }),
  "IAM's error body": (echo) => ({
    status: 401,
    body: JSON.stringify({ error: { code: 401, message: `Rejected ${echo}`, title: "x" } }),
  }),
  "a body that is not JSON": (echo) => ({ status: 400, body: `<html>${echo}</html>` }),
  "a body cut off mid-credential": (echo) => ({
    status: 400,
    body: `<html>${"x".repeat(150)} ${echo.slice(0, Math.ceil(echo.length / 2))}`,
  }),
  "a retried 503": (echo) => ({ status: 503, body: JSON.stringify({ error_msg: echo }) }),
};

describe("no credential survives in any error message", () => {
  let stub: StubServer;
  let echo = "";
  let shape: Shape = SHAPES["ROMA's error body"];
  beforeAll(async () => {
    stub = await stubServer((_req, _body, res) => {
      const answer = shape(echo);
      res.writeHead(answer.status, { "Content-Type": "text/plain" }).end(answer.body);
    });
  });
  afterAll(() => stub.close());

  const inputs = STUB_INPUTS;
  const outs = {
    ...inputs,
    region: "cn-north-4",
    projectId: "p1",
    authorizations: [{ id: "r1", appId: "app1", apiId: "api1", authTime: "" }],
    unconfirmed: [],
    lookupSince: "",
  };

  it.each(Object.keys(CREDENTIALS).flatMap((c) => Object.keys(SHAPES).map((s) => [c, s])))(
    "%s echoed back in every form in %s, on create, read and delete",
    async (credential, shapeName) => {
      const { settings, secrets } = CREDENTIALS[credential];
      const provider = await configuredProvider({
        "roma:endpoint": stub.url,
        "roma:authUrl": stub.url,
        "roma:region": "cn-north-4",
        "roma:projectId": "p1",
        "roma:maxRetries": shapeName.includes("retried") ? "1" : "0",
        "roma:consistencyTimeout": "1",
        ...settings,
      });
      shape = SHAPES[shapeName];
      let checked = 0;
      for (const secret of secrets) {
        for (const form of forms(secret)) {
          echo = form;
          const messages = await Promise.all([
            provider.create(inputs).then(
              () => "created",
              (e: Error) => e.message,
            ),
            provider.read("id", outs).then(
              () => "read",
              (e: Error) => e.message,
            ),
            provider.delete("id", outs).then(
              () => "deleted",
              (e: Error) => e.message,
            ),
          ]);
          for (const message of messages) {
            expect(message).toMatch(/^Could not |pairs? \(app x API\) could not be/);
            for (const s of secrets) {
              for (const f of forms(s)) {
                // Whole, or any start of it (cut by the server or by a message's length limit).
                expect(message).not.toContain(f.slice(0, 12));
              }
            }
            checked++;
          }
        }
      }
      expect(checked).toBe(secrets.length * forms("x").length * 3);
    },
  );
});

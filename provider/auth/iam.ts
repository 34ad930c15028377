/**
 * The two IAM requests the provider makes: a password login for a token, and the project id of a
 * region.
 */
import type { Authenticator, Budget, Transport } from "../http/transport";
import { Secret } from "../secret";
import { ID, ID_RULE } from "../ids";

/** A token and what IAM said about it. */
export interface IamToken {
  token: Secret;
  /** Epoch ms after which the token should no longer be used. */
  renewAt: number;
  /** The project the token is scoped to. */
  projectId?: string;
}

/** The project a token is scoped to: by id when known, else by name (the region's name). */
export type TokenScope = { projectId: string } | { projectName: string };

export interface PasswordLogin {
  userName: string;
  password: Secret;
  domainName: string;
}

const RENEW_MARGIN_MS = 3600_000;

/** `POST /v3/auth/tokens` with a password identity; the token comes in `X-Subject-Token`. */
export async function login(
  transport: Transport,
  authUrl: string,
  user: PasswordLogin,
  scope: TokenScope,
  budget: Budget,
): Promise<IamToken> {
  const started = Date.now();
  const answer = await transport.send(
    {
      method: "POST",
      baseUrl: authUrl,
      segments: ["v3", "auth", "tokens"],
      body: passwordAuth(user, scope),
      doing: `log in to IAM as ${user.userName} (domain ${user.domainName})`,
      idempotent: true,
    },
    budget,
  );
  const token = answer.headers["x-subject-token"];
  if (!token) throw new Error("IAM answered the login without an X-Subject-Token header.");
  const body = (answer.body ?? {}) as {
    token?: { expires_at?: string; issued_at?: string; project?: { id?: string } };
  };
  const expiresAt = Date.parse(body.token?.expires_at ?? "") || started + 24 * 3600_000;
  const lifetime = Math.max(0, expiresAt - started);
  const result: IamToken = {
    token: new Secret(token),
    renewAt: expiresAt - Math.min(RENEW_MARGIN_MS, lifetime / 10),
  };
  if (body.token?.project?.id) result.projectId = answeredId(body.token.project.id, "login");
  return result;
}

// The login request's body: a password identity, scoped to one project.
function passwordAuth(user: PasswordLogin, scope: TokenScope) {
  const project = "projectId" in scope ? { id: scope.projectId } : { name: scope.projectName };
  return {
    auth: {
      identity: {
        methods: ["password"],
        password: {
          user: {
            name: user.userName,
            password: user.password.reveal(),
            domain: { name: user.domainName },
          },
        },
      },
      scope: { project },
    },
  };
}

/** `GET /v3/projects?name={region}`: the one project of that name, else a clear error. */
export async function findProjectId(
  transport: Transport,
  authUrl: string,
  auth: Authenticator,
  region: string,
  budget: Budget,
): Promise<string> {
  const answer = await transport.send(
    {
      method: "GET",
      baseUrl: authUrl,
      segments: ["v3", "projects"],
      query: [["name", region]],
      auth,
      doing: `look up the project of region ${region} in IAM`,
      idempotent: true,
    },
    budget,
  );
  const projects = ((answer.body ?? {}) as { projects?: { id?: string; name?: string }[] })
    .projects;
  const matches = (projects ?? []).filter((p) => p.name === region && p.id);
  if (matches.length !== 1) {
    throw new Error(
      matches.length === 0
        ? `IAM has no project named ${region}: check the region (roma:region / huaweicloud:region / HW_REGION_NAME or the resource's region), or set the project id (roma:projectId / HW_PROJECT_ID).`
        : `IAM has ${matches.length} projects named ${region}: set the project id to use (roma:projectId / HW_PROJECT_ID, or the resource's projectId).`,
    );
  }
  return answeredId(matches[0].id!, "project lookup");
}

// A project id from IAM goes into request paths: take only what looks like an id.
function answeredId(id: string, answer: string): string {
  if (typeof id === "string" && ID.test(id)) return id;
  throw new Error(
    `IAM's ${answer} answer names the project ${JSON.stringify(String(id).slice(0, 80))}, which is not an id (${ID_RULE}); refused before any request uses it.`,
  );
}

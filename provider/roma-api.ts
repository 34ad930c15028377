/**
 * The three requests, built in one place for both gateways: authorize (the seed's POST), cancel
 * (the seed's v1 DELETE; APIG's is v2) and list (`binded-apis`). ROMA Connect and APIG serve the
 * same API under other paths (see {@link PATHS}).
 */
import { ServerClock } from "./clock";
import { isApiError, UNEXPECTED_ANSWER } from "./http/errors";
import {
  Transport,
  type Authenticator,
  type Budget,
  type Request,
  type Response,
  type TransportOptions,
} from "./http/transport";
import type { Gateway } from "./fields";
import { isGone, ROMA_ERRORS, romaApiError } from "./roma-errors";
import type { Pair } from "./types";
import {
  createAnswerItems,
  createAuthBody,
  listAnswer,
  type ApiAuthRelationWire,
  type BindOptions,
  type ListAuthsWire,
} from "./wire";

/** Largest page `binded-apis` serves. */
export const MAX_PAGE = 500;

/** Where a request goes under `/{version}/{project_id}/{service}/instances/{instance_id}/app-auths`. */
interface RequestPath {
  version: "v1" | "v2";
  service: "apic" | "apigw";
}

/** Each gateway's paths: ROMA Connect's as the seed has them, APIG's from its specification. */
export const PATHS: Record<Gateway, Record<"authorize" | "cancel" | "list", RequestPath>> = {
  roma: {
    authorize: { version: "v2", service: "apic" },
    cancel: { version: "v1", service: "apic" },
    list: { version: "v2", service: "apic" },
  },
  apig: {
    authorize: { version: "v2", service: "apigw" },
    cancel: { version: "v2", service: "apigw" },
    list: { version: "v2", service: "apigw" },
  },
};

/** Where one resource's records live, and how to reach them. */
export interface Target {
  /** The gateway the instance belongs to: ROMA Connect's unless `apig`. */
  gateway: Gateway;
  region: string;
  projectId: string;
  instanceId: string;
  envId: string;
  endpoint: string;
  auth: Authenticator;
}

/** A transport that reads error answers as ROMA Connect and IAM write them. */
export class RomaTransport extends Transport {
  constructor(options: Omit<TransportOptions, "errors">) {
    super({ ...options, errors: ROMA_ERRORS });
  }
}

export class RomaApi {
  /** The server's clock as this operation's answers told it. */
  readonly clock = new ServerClock();

  constructor(
    private readonly transport: Transport,
    readonly target: Target,
    private readonly budget: Budget,
  ) {}

  /** `POST /v2/{project_id}/{apic|apigw}/instances/{instance_id}/app-auths` for `appIds x apiIds`. */
  async authorize(
    appIds: string[],
    apiIds: string[],
    options: BindOptions,
  ): Promise<ApiAuthRelationWire[]> {
    const doing = `authorize ${list("app", appIds)} for ${list("API", apiIds)} in environment ${this.target.envId}`;
    const answer = await this.send({
      method: "POST",
      segments: [...this.instancePath("authorize"), "app-auths"],
      body: createAuthBody(this.target.envId, appIds, apiIds, options, this.target.gateway),
      doing,
      idempotent: false,
    });
    return checked(answer, doing, "POST .../app-auths", createAnswerItems);
  }

  /**
   * `DELETE /v1/{project_id}/apic/instances/{instance_id}/app-auths/{app_auth_id}` (APIG: `/v2/.../apigw/...`).
   * A record that no longer exists (404 APIG.3009) counts as cancelled.
   */
  async cancel(record: Pair & { id: string }): Promise<"cancelled" | "already gone"> {
    try {
      await this.send({
        method: "DELETE",
        segments: [...this.instancePath("cancel"), "app-auths", record.id],
        doing: `cancel authorization ${record.id} (app ${record.appId}, API ${record.apiId}) in environment ${this.target.envId}`,
        idempotent: true,
      });
      return "cancelled";
    } catch (error) {
      if (isGone(error)) return "already gone";
      throw error;
    }
  }

  /** One page of `GET .../app-auths/binded-apis` for an app in the environment. */
  async listPage(appId: string, offset: number, limit: number): Promise<ListAuthsWire> {
    const doing = `list the APIs app ${appId} is authorized for in environment ${this.target.envId}`;
    const answer = await this.send({
      method: "GET",
      segments: [...this.instancePath("list"), "app-auths", "binded-apis"],
      query: [
        ["app_id", appId],
        ["env_id", this.target.envId],
        ["offset", String(offset)],
        ["limit", String(limit)],
      ],
      doing,
      idempotent: true,
    });
    return checked(answer, doing, "GET .../app-auths/binded-apis", listAnswer);
  }

  private instancePath(request: keyof (typeof PATHS)[Gateway]): string[] {
    const { version, service } = PATHS[this.target.gateway][request];
    return [version, this.target.projectId, service, "instances", this.target.instanceId];
  }

  // Every answer, error answers included, tells the server's time.
  private async send(request: Omit<Request, "baseUrl" | "auth" | "headers">): Promise<Response> {
    const sentAt = Date.now();
    try {
      const answer = await this.transport.send(
        {
          ...request,
          baseUrl: this.target.endpoint,
          headers: { "X-Project-Id": this.target.projectId },
          auth: this.target.auth,
        },
        this.budget,
      );
      const date = Date.parse(answer.headers.date ?? "");
      if (!Number.isNaN(date)) this.clock.observe(sentAt, Date.now(), date);
      return answer;
    } catch (error) {
      const skew = isApiError(error) ? error.clockSkewMs : undefined;
      if (skew !== undefined) this.clock.observe(sentAt, Date.now(), Date.now() + skew);
      throw error;
    }
  }
}

// The answer's body in its documented shape, or an error naming the endpoint and what came back.
function checked<T>(
  answer: Response,
  doing: string,
  endpoint: string,
  read: (body: unknown) => T,
): T {
  try {
    return read(answer.body);
  } catch (error) {
    throw romaApiError(
      {
        status: answer.status,
        code: UNEXPECTED_ANSWER,
        apiMessage: `${endpoint} answered ${(error as Error).message}`,
        requestId: answer.headers["x-request-id"],
      },
      doing,
    );
  }
}

/** "app a", "apps a, b, c", "APIs a, b, c, d, e and 95 more". */
function list(noun: string, ids: readonly string[]): string {
  const shown = ids.slice(0, 5).join(", ");
  const more = ids.length > 5 ? ` and ${ids.length - 5} more` : "";
  return `${noun}${ids.length === 1 ? "" : "s"} ${shown}${more}`;
}

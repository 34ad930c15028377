/**
 * The three ROMA Connect requests, built in one place: authorize (the seed's POST), cancel (the
 * seed's v1 DELETE) and list (`binded-apis`).
 */
import { isApiError } from "./http/errors";
import type { Budget, Request, Transport } from "./http/transport";
import type { Target } from "./runtime";
import type { Pair } from "./types";
import {
  createAnswerItems,
  createAuthBody,
  type ApiAuthRelationWire,
  type BindOptions,
  type ListAuthsWire,
} from "./wire";

/** Largest page `binded-apis` serves. */
export const MAX_PAGE = 500;

export class RomaApi {
  constructor(
    private readonly transport: Transport,
    private readonly target: Target,
    private readonly budget: Budget,
  ) {}

  /** `POST /v2/{project_id}/apic/instances/{instance_id}/app-auths` for `appIds x apiIds`. */
  async authorize(
    appIds: string[],
    apiIds: string[],
    options: BindOptions,
  ): Promise<ApiAuthRelationWire[]> {
    const answer = await this.send({
      method: "POST",
      segments: ["v2", ...this.instancePath(), "app-auths"],
      body: createAuthBody(this.target.envId, appIds, apiIds, options),
      doing: `authorize ${list("app", appIds)} for ${list("API", apiIds)} in environment ${this.target.envId}`,
      idempotent: false,
    });
    return createAnswerItems(answer.body);
  }

  /**
   * `DELETE /v1/{project_id}/apic/instances/{instance_id}/app-auths/{app_auth_id}`.
   * A record that no longer exists (404 APIG.3009) counts as cancelled.
   */
  async cancel(record: Pair & { id: string }): Promise<"cancelled" | "already gone"> {
    try {
      await this.send({
        method: "DELETE",
        segments: ["v1", ...this.instancePath(), "app-auths", record.id],
        doing: `cancel authorization ${record.id} (app ${record.appId}, API ${record.apiId}) in environment ${this.target.envId}`,
        idempotent: true,
      });
      return "cancelled";
    } catch (error) {
      if (isApiError(error, "APIG.3009")) return "already gone";
      throw error;
    }
  }

  /** The server's time now, when an answer has told it (see `Transport.serverNow`). */
  serverNow(): number | undefined {
    return this.transport.serverNow();
  }

  /** One page of `GET .../app-auths/binded-apis` for an app in the environment. */
  async listPage(appId: string, offset: number, limit: number): Promise<ListAuthsWire> {
    const answer = await this.send({
      method: "GET",
      segments: ["v2", ...this.instancePath(), "app-auths", "binded-apis"],
      query: [
        ["app_id", appId],
        ["env_id", this.target.envId],
        ["offset", String(offset)],
        ["limit", String(limit)],
      ],
      doing: `list the APIs app ${appId} is authorized for in environment ${this.target.envId}`,
      idempotent: true,
    });
    const body = (answer.body ?? {}) as Partial<ListAuthsWire>;
    return {
      total: Number(body.total ?? 0),
      size: Number(body.size ?? 0),
      auths: Array.isArray(body.auths) ? body.auths : [],
    };
  }

  private instancePath(): string[] {
    return [this.target.projectId, "apic", "instances", this.target.instanceId];
  }

  private send(request: Omit<Request, "baseUrl" | "auth" | "headers">) {
    return this.transport.send(
      {
        ...request,
        baseUrl: this.target.endpoint,
        headers: { "X-Project-Id": this.target.projectId },
        auth: this.target.auth,
      },
      this.budget,
    );
  }
}

/** "app a", "apps a, b, c", "APIs a, b, c, d, e and 95 more". */
export function list(noun: string, ids: readonly string[]): string {
  const shown = ids.slice(0, 5).join(", ");
  const more = ids.length > 5 ? ` and ${ids.length - 5} more` : "";
  return `${noun}${ids.length === 1 ? "" : "s"} ${shown}${more}`;
}

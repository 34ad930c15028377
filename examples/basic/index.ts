/**
 * The basic example: one app authorized for a few APIs in one environment. Every id comes from the
 * stack config, so the same program runs against a real instance or the local emulator
 * (`npm run emulator` prints the `pulumi config set` lines).
 *
 * Provider settings (endpoint, region, project, credentials) are stack config under `roma:` or
 * environment variables; see the README's settings table.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppAuthorization } from "pulumi-roma-appauth";

const config = new pulumi.Config();

const orders = new AppAuthorization("orders-app", {
  instanceId: config.require("instanceId"),
  envId: config.get("envId") ?? "DEFAULT_ENVIRONMENT_RELEASE_ID",
  appIds: [config.require("appId")],
  apiIds: config.requireObject<string[]>("apiIds"),
});

/** The resource id: `{instanceId}/{envId}/{suffix}`, stable across updates. */
export const authorizationId = orders.id;
/** One record id per authorized API. */
export const recordIds = orders.records.apply((records) =>
  Object.fromEntries(records.map((r) => [r.apiId, r.id])),
);

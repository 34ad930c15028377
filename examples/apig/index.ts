/**
 * The APIG example: apps authorized for a few APIs in one environment of a dedicated API Gateway
 * (APIG) instance, with `ApigAppAuthorization`. Every id comes from the stack config, so the same
 * program runs against a real instance or the local emulator (`npm run emulator` prints the
 * `pulumi config set` lines, `apig:endpoint` and the APIG instance id among them).
 *
 * Provider settings are those of `AppAuthorization` (region, project, credentials under `roma:`),
 * plus `apig:endpoint` (default `https://apig.{region}.myhuaweicloud.com`); see the README's
 * settings table and its section "API Gateway (APIG)".
 */
import * as pulumi from "@pulumi/pulumi";
import { ApigAppAuthorization } from "pulumi-roma-appauth";

const config = new pulumi.Config();

// APIG takes no green channel, whitelist, blacklist or access parameters: the type has no such
// inputs, and the provider refuses them before any request.
const orders = new ApigAppAuthorization("orders-apig", {
  instanceId: config.require("instanceId"),
  envId: config.get("envId") ?? "DEFAULT_ENVIRONMENT_RELEASE_ID",
  appIds: config.requireObject<string[]>("appIds"),
  apiIds: config.requireObject<string[]>("apiIds"),
});

/** The resource id: `{instanceId}/{envId}/{suffix}`, stable across updates. */
export const authorizationId = orders.id;
/** One record id per authorized app x API pair, keyed `app/api`. */
export const recordIds = orders.records.apply((records) =>
  Object.fromEntries(records.map((r) => [`${r.appId}/${r.apiId}`, r.id])),
);

/**
 * Several apps, several APIs, two environments: the release environment authorizes every app for
 * the public APIs with per-API access parameters; the test environment opens every API to the test
 * app through the green channel for the CI network.
 *
 * Config: instanceId, releaseEnvId, testEnvId, appIds (JSON list; the first is the test app),
 * publicApiIds and internalApiIds (JSON lists).
 */
import * as pulumi from "@pulumi/pulumi";
import { AppAuthorization } from "pulumi-roma-appauth";

const config = new pulumi.Config();
const instanceId = config.require("instanceId");
const appIds = config.requireObject<string[]>("appIds");
const publicApiIds = config.requireObject<string[]>("publicApiIds");
const internalApiIds = config.requireObject<string[]>("internalApiIds");

const release = new AppAuthorization("release", {
  instanceId,
  envId: config.require("releaseEnvId"),
  appIds,
  apiIds: publicApiIds,
  // Every app passes `tenant` to the first public API; the first app also passes `region`.
  visitParams: [
    { apiId: publicApiIds[0], visitParam: "tenant" },
    { apiId: publicApiIds[0], appId: appIds[0], visitParam: "tenant,region" },
  ],
});

const test = new AppAuthorization("test", {
  instanceId,
  envId: config.require("testEnvId"),
  appIds: [appIds[0]],
  apiIds: [...publicApiIds, ...internalApiIds],
  authTunnel: "GREEN",
  authWhitelist: ["10.20.0.0/16"],
});

export const releasePairs = release.authorizations.apply((r) => r.length);
export const testPairs = test.authorizations.apply((r) => r.length);

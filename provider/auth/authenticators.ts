/**
 * How each kind of credential goes on a request: a fixed token, an AK/SK signature, or an IAM token
 * obtained (and renewed) by password login.
 */
import type { Authenticator, Budget, PreparedRequest } from "../http/transport";
import type { Secret } from "../secret";
import { authorizationHeader, formatSdkDate } from "./signer";

/** A token given in the settings: sent as is; it cannot be renewed. */
export function tokenAuth(token: Secret): Authenticator {
  const credential = {
    apply(request: PreparedRequest) {
      request.headers["X-Auth-Token"] = token.reveal();
    },
  };
  return { credential: async () => credential };
}

/**
 * `SDK-HMAC-SHA256` signing. Every header the request carries is signed (host, content type,
 * project id), plus `X-Sdk-Date` and, for temporary credentials, `X-Security-Token`.
 */
export function akskAuth(
  accessKey: Secret,
  secretKey: Secret,
  securityToken?: Secret,
  now: () => Date = () => new Date(),
): Authenticator {
  const credential = {
    apply(request: PreparedRequest) {
      request.headers["X-Sdk-Date"] = formatSdkDate(now());
      if (securityToken) request.headers["X-Security-Token"] = securityToken.reveal();
      request.headers.Authorization = authorizationHeader(
        request,
        accessKey.reveal(),
        secretKey.reveal(),
      );
    },
  };
  return { credential: async () => credential };
}

/** A token from IAM, kept by the process; `current` logs in when there is none or it is stale. */
export interface TokenSource {
  current(budget: Budget): Promise<Secret>;
  /** Forgets `stale` (if it is still the one held) and logs in again. */
  refresh(stale: Secret, budget: Budget): Promise<void>;
}

/** An IAM token from a password login, renewed once when the API says it expired. */
export function iamTokenAuth(source: TokenSource): Authenticator {
  return {
    async credential(budget) {
      const token = await source.current(budget);
      return {
        apply(request) {
          request.headers["X-Auth-Token"] = token.reveal();
        },
        renew: (renewBudget) => source.refresh(token, renewBudget),
      };
    },
  };
}

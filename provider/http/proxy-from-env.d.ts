// proxy-from-env 2 ships no type declarations; this is the one function the transport uses.
declare module "proxy-from-env" {
  /** The proxy URL for `url` from HTTP(S)_PROXY / ALL_PROXY, or "" when NO_PROXY exempts it. */
  export function getProxyForUrl(url: string): string;
}

/** RFC 3986 percent-encoding: unreserved characters kept, everything else as upper-case UTF-8 hex. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The return_to allow-list. Open redirects are the classic hole in OAuth callbacks, so a return_to is accepted only
 * if, parsed as an absolute URL, its origin equals an allowed origin exactly and its path lies under the allowed path
 * prefix (at a segment boundary). Anything a browser might read differently from the URL parser is refused before
 * parsing: backslashes, control characters, whitespace, credentials, and encoded slashes or backslashes.
 */
export interface ReturnToRule {
  origin: string;
  /** Always ends with '/'. */
  pathPrefix: string;
}

/** Parses `WECHAT_H5_OAUTH_ALLOWED_RETURN_TO` entries like `https://app.example.com/h5/`; throws naming the bad entry's position. */
export function parseReturnToRules(entries: string[]): ReturnToRule[] {
  return entries.map((entry, index) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new Error(`WECHAT_H5_OAUTH_ALLOWED_RETURN_TO entry ${index + 1} is not an absolute URL`);
    }
    if (!['https:', 'http:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
      throw new Error(`WECHAT_H5_OAUTH_ALLOWED_RETURN_TO entry ${index + 1} must be an http(s) origin with an optional path, nothing else`);
    }
    if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
      throw new Error(`WECHAT_H5_OAUTH_ALLOWED_RETURN_TO entry ${index + 1} must use https (http only for localhost)`);
    }
    return { origin: url.origin, pathPrefix: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/` };
  });
}

// Characters no legitimate return_to contains, and that browsers and parsers disagree about.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here.
const SUSPICIOUS = /[\\\u0000-\u0020\u007f]|%(?:00|0a|0d|09)/i;
// Encoded slashes and backslashes in the path could become separators after another decoding step; in the query
// and fragment they are ordinary data.
const ENCODED_SEPARATOR_IN_PATH = /^[^?#]*%(?:2f|5c)/i;

/** The normalized return_to if it is allowed, else null. */
export function matchReturnTo(candidate: string, rules: readonly ReturnToRule[]): string | null {
  if (candidate.length === 0 || candidate.length > 2048 || SUSPICIOUS.test(candidate) || ENCODED_SEPARATOR_IN_PATH.test(candidate))
    return null;
  // Absolute URLs only: "//evil", "/path" and "evil.com" are relative and never allowed.
  if (!/^https?:\/\/[^/]/i.test(candidate)) return null;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const allowed = rules.some((rule) => rule.origin === url.origin && path.startsWith(rule.pathPrefix));
  return allowed ? url.href : null;
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** The origins CORS may allow: those of the return_to rules. */
export function allowedOrigins(rules: readonly ReturnToRule[]): Set<string> {
  return new Set(rules.map((rule) => rule.origin));
}

/**
 * Building the browser redirects back to a caller's redirect_uri, shared by H5 authorization (section 5) and
 * component authorization (section 4).
 */
import type { SimResponse } from '../http-io';

/**
 * The absolute http(s) URL in `uri`, or null. Tabs, newlines and other control characters are refused outright:
 * the URL parser drops them silently, a Location header would not.
 */
export function parseRedirectUri(uri: string): URL | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here.
  if (/[\s\x00-\x1f\x7f]/u.test(uri)) return null;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

/**
 * Appends to the query of `uri` without re-encoding what is already there, and before any `#fragment`: a
 * single-page app's hash route stays last, as WeChat leaves it.
 */
export function appendQuery(uri: string, fields: Record<string, string>): string {
  const hashAt = uri.indexOf('#');
  const base = hashAt === -1 ? uri : uri.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : uri.slice(hashAt);
  const query = Object.entries(fields)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  // A Location header must be ASCII; browsers read percent-encoded UTF-8 the same as the raw characters.
  return `${base}${separator}${query}${fragment}`.replace(/[^\x21-\x7e]/gu, (char) => encodeURIComponent(char));
}

/** 302 to the caller; the Location carries a code, so nothing may cache it or pass it on as a referrer. */
export function redirectTo(location: string): SimResponse {
  return { status: 302, text: '', headers: { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } };
}

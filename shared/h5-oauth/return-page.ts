/**
 * URLs of the page an h5-oauth round trip returns to (its allow-listed `return_to`): where results land and where
 * "try again" leads.
 */

/**
 * Where "try again" leads: back to the page that started the sign-in (without a stale wx_login or wx_error), since
 * only that page can start a new one with a fresh PKCE verifier. A link straight to /h5-oauth/start would have to
 * carry the old challenge, and show it to whichever browser sees the error page.
 */
export function retryUrlFor(state: { returnTo: string }): string {
  return withoutH5OAuthResult(state.returnTo).href;
}

/** return_to without a stale wx_login or wx_error of an earlier round trip; otherwise its query text stays as it was. */
export function withoutH5OAuthResult(returnTo: string): URL {
  const url = new URL(returnTo);
  if (url.searchParams.has('wx_login') || url.searchParams.has('wx_error')) {
    // Only then is the query re-serialised (`a%20b` would become `a+b`).
    url.searchParams.delete('wx_login');
    url.searchParams.delete('wx_error');
  }
  return url;
}

/** Adds one parameter and leaves the page's own query text exactly as it was (`a%20b` stays, `?flag` stays bare). */
export function withResultParam(returnTo: string, name: string, value: string): string {
  // A stale flag from an earlier round trip must not sit beside the new one.
  const url = withoutH5OAuthResult(returnTo);
  const pair = `${name}=${encodeURIComponent(value)}`;
  url.search = url.search.length > 1 ? `${url.search}&${pair}` : pair;
  return url.href;
}

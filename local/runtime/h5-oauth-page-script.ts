/**
 * The browser side of h5-oauth, as the README's copy-paste snippet gives it: the demo page of `npm start` embeds
 * exactly this text (test/local/runtime/demo-page.test.ts holds the README to it), so the browser test exercises the
 * code users copy. It expects `API` (our API's origin) and `APPID` (the official account) to be defined before it.
 */
export const H5_OAUTH_PAGE_SCRIPT = String.raw`const here = location.origin + location.pathname; // must be under an h5OAuthAllowedReturnTo prefix
const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// PKCE: a fresh secret verifier per sign-in stays in this tab (sessionStorage) across the WeChat round trip; only its
// SHA-256 is sent. The login code that comes back is redeemable only with it, so a code planted by someone else fails.
async function startH5OAuth(scope) { // 'snsapi_userinfo' (consent, profile) or 'snsapi_base' (silent, openid only)
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('wx_pkce_verifier', verifier);
  location.assign(API + '/h5-oauth/start?' + new URLSearchParams(
    { appid: APPID, scope, return_to: here, code_challenge: challenge, code_challenge_method: 'S256' }));
}

// On every page load: redeems a wx_login code if WeChat sent one back, then resolves to the signed-in user (or null).
// Throws with a message to show when the user refused or the code could not be redeemed.
async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  const loginCode = params.get('wx_login');
  const error = params.get('wx_error'); // 'access_denied': the user refused
  const codeVerifier = sessionStorage.getItem('wx_pkce_verifier');
  if (loginCode || error) {
    history.replaceState(null, '', here); // single use: keep it out of history
    sessionStorage.removeItem('wx_pkce_verifier'); // one attempt per sign-in
  }
  if (error) throw new Error('You did not allow the sign-in (' + error + ').');
  if (loginCode) {
    // Sent even without a verifier: the service then refuses the code (400) and uses it up.
    const res = await fetch(API + '/h5-oauth/session', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginCode, codeVerifier }) });
    const body = await res.json();
    if (res.ok) sessionStorage.setItem('wx_session', body.token);
    else if (!sessionStorage.getItem('wx_session')) throw new Error('Sign-in failed: ' + body.message);
  }
  const token = sessionStorage.getItem('wx_session');
  if (!token) return null;
  const me = await fetch(API + '/h5-oauth/session', { headers: { authorization: 'Bearer ' + token } });
  if (me.ok) return me.json(); // { openid, appid, unionid?, nickname?, headimgurl?, ... }
  sessionStorage.removeItem('wx_session'); // expired, signed out, or the official account revoked the platform
  return null;
}

// Ends the session at the service too (DELETE /h5-oauth/session): the token is refused from then on, wherever it is.
async function signOut() {
  const token = sessionStorage.getItem('wx_session');
  sessionStorage.removeItem('wx_session');
  if (token) await fetch(API + '/h5-oauth/session', { method: 'DELETE', headers: { authorization: 'Bearer ' + token } });
}`;

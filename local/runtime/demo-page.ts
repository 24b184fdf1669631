import { escapeHtml } from '../wechat-sim/routes/html-page';
import { H5_OAUTH_PAGE_SCRIPT } from './h5-oauth-page-script';

/**
 * The local demo H5 page (served only by `npm start`, never deployed): "Sign in with WeChat" → the simulator's
 * consent page → back here with `wx_login`, which the page redeems at POST /h5-oauth/session with its PKCE verifier,
 * then shows who you are from GET /h5-oauth/session. Its sign-in logic is the README's copy-paste snippet, verbatim.
 * Below it, "Authorize an account": an operator's signed link to GET /authorize, which leads through WeChat's consent
 * page (the simulator's) to GET /authorize/callback and its result page.
 */
export function renderDemoPage(input: { authorizerAppid: string; authorizationLink: { url: string; expiresAt: string } }): string {
  const appid = JSON.stringify(input.authorizerAppid);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>WeChat sign-in demo</title>
<style>
body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#222}
button,a.button{display:inline-block;margin:.3rem .3rem .3rem 0;padding:.6rem 1rem;border:0;border-radius:.4rem;background:#07c160;color:#fff;font-size:1rem;text-decoration:none;cursor:pointer}
button.secondary{background:#576b95}#who img{width:64px;height:64px;border-radius:50%;vertical-align:middle;margin-right:.8rem}
#status,.note{color:#666}.error{color:#c00}
</style></head>
<body>
<h1>WeChat sign-in demo</h1>
<p id="status">Not signed in.</p>
<div id="who" hidden></div>
<p id="actions">
  <button type="button" id="signin-userinfo">Sign in with WeChat</button>
  <button type="button" class="secondary" id="signin-base">Silent sign-in (openid only)</button>
  <button type="button" class="secondary" id="signout" hidden>Sign out</button>
</p>
<h2>Authorize an account</h2>
<p><a class="button" id="authorize-link" href="${escapeHtml(input.authorizationLink.url)}">Authorize an account</a></p>
<p class="note">An operator's signed link, made by the authorizer worker's authorization-link action, valid until
${escapeHtml(input.authorizationLink.expiresAt)}: the authorization page, then WeChat's consent page, then the result.</p>
<script>
const API = ''; // this page is served by the API itself
const APPID = ${appid};
${H5_OAUTH_PAGE_SCRIPT}

// The demo's own display, around the README snippet's startH5OAuth, finishSignIn and signOut.
const status = document.getElementById('status');
document.getElementById('signin-userinfo').onclick = () => startH5OAuth('snsapi_userinfo');
document.getElementById('signin-base').onclick = () => startH5OAuth('snsapi_base');
document.getElementById('signout').onclick = async () => {
  await signOut();
  document.getElementById('who').hidden = true;
  document.getElementById('signout').hidden = true;
  status.textContent = 'Signed out.';
};

function show(user) {
  const who = document.getElementById('who');
  who.hidden = false;
  who.replaceChildren();
  if (user.headimgurl) { const img = document.createElement('img'); img.src = user.headimgurl; img.alt = ''; who.append(img); }
  const name = document.createElement('strong');
  name.id = 'nickname';
  name.textContent = user.nickname || '(no profile: silent sign-in)';
  const openid = document.createElement('div');
  openid.id = 'openid';
  openid.textContent = 'openid: ' + user.openid;
  who.append(name, openid);
  document.getElementById('signout').hidden = false;
  status.textContent = 'Signed in.';
}

finishSignIn().then(
  (user) => { if (user) show(user); },
  (err) => { status.textContent = err.message; status.className = 'error'; },
);
</script>
</body></html>`;
}

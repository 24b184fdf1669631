/**
 * The local demo H5 page (served only by `npm start`, never deployed): "Sign in with WeChat" → the simulator's
 * consent page → back here with `wx_login`, which the page redeems at POST /oauth/session, then shows who you are
 * from GET /oauth/session. It is also the copy-paste example of the README.
 */
export function renderDemoPage(input: { authorizerAppid: string }): string {
  const appid = JSON.stringify(input.authorizerAppid);
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>WeChat sign-in demo</title>
<style>
body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#222}
button,a.button{display:inline-block;margin:.3rem .3rem .3rem 0;padding:.6rem 1rem;border:0;border-radius:.4rem;background:#07c160;color:#fff;font-size:1rem;text-decoration:none;cursor:pointer}
a.secondary{background:#576b95}#who img{width:64px;height:64px;border-radius:50%;vertical-align:middle;margin-right:.8rem}
#status{color:#666}.error{color:#c00}
</style></head>
<body>
<h1>WeChat sign-in demo</h1>
<p id="status">Not signed in.</p>
<div id="who" hidden></div>
<p id="actions">
  <a class="button" id="signin-userinfo" href="#">Sign in with WeChat</a>
  <a class="button secondary" id="signin-base" href="#">Silent sign-in (openid only)</a>
</p>
<script>
const appid = ${appid};
const here = location.origin + location.pathname;
const startUrl = (scope) => '/oauth/start?' + new URLSearchParams({ appid, scope, return_to: here });
document.getElementById('signin-userinfo').href = startUrl('snsapi_userinfo');
document.getElementById('signin-base').href = startUrl('snsapi_base');
const status = document.getElementById('status');

async function show(token) {
  const res = await fetch('/oauth/session', { headers: { authorization: 'Bearer ' + token } });
  if (!res.ok) { sessionStorage.removeItem('wx_session'); status.textContent = 'Session expired. Sign in again.'; return; }
  const user = await res.json();
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
  status.textContent = 'Signed in.';
}

async function main() {
  const params = new URLSearchParams(location.search);
  const loginCode = params.get('wx_login');
  const error = params.get('wx_error');
  if (loginCode || error) history.replaceState(null, '', here); // a login code is single use: keep it out of history
  if (error) { status.textContent = 'You did not allow the sign-in (' + error + ').'; status.className = 'error'; return; }
  if (loginCode) {
    const res = await fetch('/oauth/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ loginCode }) });
    if (!res.ok) { status.textContent = 'Sign-in failed: ' + (await res.json()).message; status.className = 'error'; return; }
    sessionStorage.setItem('wx_session', (await res.json()).token);
  }
  const token = sessionStorage.getItem('wx_session');
  if (token) await show(token);
}
main();
</script>
</body></html>`;
}

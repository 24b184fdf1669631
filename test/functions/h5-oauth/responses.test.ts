import { describe, expect, it } from 'vitest';
import { bindingCookie, corsHeaders, failure, json, parseCookies, redirect } from '../../../functions/h5-oauth/responses';
import { H5OAuthError } from '../../../shared/h5-oauth/h5-oauth-errors';
import { StoreError } from '../../../shared/store/store-errors';

const ALLOWED = new Set(['https://h5.example.com', 'https://shop.example.com']);

describe('redirect', () => {
  it('answers 302 with the Location, never cached and never passed on as a referrer', () => {
    const response = redirect('https://h5.example.com/app/?wx_login=abc', ['a=b; Path=/']);

    expect(response).toMatchObject({ statusCode: 302, cookies: ['a=b; Path=/'], body: '' });
    expect(response.headers).toMatchObject({
      location: 'https://h5.example.com/app/?wx_login=abc',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
  });

  it('sets no cookies field when there is no cookie', () => {
    expect(redirect('https://x.example/')).not.toHaveProperty('cookies');
  });
});

describe('json', () => {
  it('serialises the body with a JSON content type, no-store, and extra headers', () => {
    const response = json(200, { ok: true }, { vary: 'Origin' });

    expect(JSON.parse(response.body!)).toEqual({ ok: true });
    expect(response.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      vary: 'Origin',
    });
  });
});

describe('failure', () => {
  it('renders a browser-route failure as an HTML page with its status, a strict CSP and the retry link', () => {
    const retryUrl = 'https://auth.example.com/oauth/start?appid=wx1111111111111111';

    const response = failure(new H5OAuthError('STATE_EXPIRED', 'expired', retryUrl), 'page');

    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    expect(response.headers!['content-security-policy']).toContain("default-src 'none'");
    expect(response.body).toContain(`href="${retryUrl}"`);
  });

  it('links a failure page to the application when the error names no sign-in to repeat', () => {
    const response = failure(new H5OAuthError('UNKNOWN_STATE', 'unknown'), 'page', {}, 'https://h5.example.com/app/');

    expect(response.body).toContain('<a class="retry" href="https://h5.example.com/app/">');
  });

  it('answers anything that is not an H5OAuthError as INTERNAL 500, without its message', () => {
    const response = failure(new StoreError('UNAVAILABLE', 'DynamoDB GetItem sign-in state failed'), 'page');

    expect(response.statusCode).toBe(500);
    expect(response.body).toContain('<code>INTERNAL</code>');
    expect(response.body).not.toContain('DynamoDB');
  });

  it('answers a session-API failure as JSON with the code and the English text only', () => {
    const response = failure(new H5OAuthError('LOGIN_CODE_INVALID', 'login code unknown, already used or expired'), 'json', {
      vary: 'Origin',
    });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!)).toEqual({ error: 'LOGIN_CODE_INVALID', message: 'The login code is invalid, used or expired.' });
    expect(response.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', vary: 'Origin' });
    expect(response.headers).not.toHaveProperty('www-authenticate');
  });

  it.each(['SESSION_INVALID', 'SESSION_REVOKED', 'AUTHORIZER_REVOKED'] as const)('adds WWW-Authenticate to the 401 of %s', (code) => {
    const response = failure(new H5OAuthError(code, 'session refused'), 'json');

    expect(response.statusCode).toBe(401);
    expect(response.headers!['www-authenticate']).toBe('Bearer error="invalid_token"');
  });
});

describe('bindingCookie', () => {
  it('is a __Host- style cookie: Secure, HttpOnly, SameSite=Lax, Path=/, Max-Age and no Domain', () => {
    const cookie = bindingCookie({ name: '__Host-wxo_abc', value: 'v4lue', maxAgeSec: 900 });

    expect(cookie).toBe('__Host-wxo_abc=v4lue; Max-Age=900; Path=/; Secure; HttpOnly; SameSite=Lax');
    expect(cookie.toLowerCase()).not.toContain('domain');
  });
});

describe('parseCookies', () => {
  it('reads API Gateway cookies, one per entry or several per entry', () => {
    const cookies = parseCookies(['a=1', 'b=2; c=3', ' d = 4 ']);

    expect({ ...cookies }).toEqual({ a: '1', b: '2', c: '3', d: '4' });
  });

  it('keeps everything after the first = as the value', () => {
    expect(parseCookies(['token=abc=def==']).token).toBe('abc=def==');
  });

  it('ignores entries without a name or without =', () => {
    expect({ ...parseCookies(['=nameless', 'flag', '']) }).toEqual({});
  });

  it('has no inherited members, so a cookie named like an Object member is read as sent and others are absent', () => {
    const cookies = parseCookies(['__proto__=x', 'constructor=y']);

    expect(cookies.constructor).toBe('y');
    // biome-ignore lint/suspicious/noProto: the point is that a cookie named __proto__ reads as sent.
    expect(cookies.__proto__).toBe('x');
    expect(parseCookies([]).toString).toBeUndefined();
    expect(parseCookies(undefined)).toEqual({});
  });
});

describe('corsHeaders', () => {
  it('allows an allowed origin by name, never *, and varies on Origin', () => {
    const headers = corsHeaders('https://shop.example.com', ALLOWED);

    expect(headers).toMatchObject({ 'access-control-allow-origin': 'https://shop.example.com', vary: 'Origin' });
    expect(headers!['access-control-allow-methods']).toBe('GET, POST, DELETE, OPTIONS');
    expect(headers!['access-control-allow-headers']).toBe('authorization, content-type');
    expect(headers).not.toHaveProperty('access-control-allow-credentials');
  });

  it('adds nothing for a request without Origin (a server-side call)', () => {
    expect(corsHeaders(undefined, ALLOWED)).toEqual({});
  });

  it.each([
    'https://evil.example',
    'null',
    'https://h5.example.com.evil.example',
    'http://h5.example.com',
    'https://h5.example.com/',
    'https://H5.example.com',
  ])('rejects origin %s', (origin) => {
    expect(corsHeaders(origin, ALLOWED)).toBeNull();
  });
});

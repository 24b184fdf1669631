import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTHORIZER_APPID } from '../../local/wechat-sim/defaults';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, startHarness, TEST_SECRETS } from '../support/harness';
import { newPkcePair, pkcePairOf } from '../support/pkce';
import { callbackUrl, expectFailurePage, expectJsonFailure, h5OAuth, redeem, type SignedIn, scanItems, startUrl } from './h5-oauth-flows';

/**
 * PKCE (RFC 7636, S256) binds each login code to the page that started the sign-in: /h5-oauth/start takes the page's
 * code_challenge, and POST /h5-oauth/session redeems a login code only with the matching code_verifier.
 */
describe('PKCE on /h5-oauth/start', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  const stateCount = async () => (await scanItems(h, `H5_OAUTH_STATE#${TEST_SECRETS.componentAppid}#`)).length;

  it('stores the S256 challenge with the sign-in state', async () => {
    const { codeChallenge } = newPkcePair();

    const response = await new TestBrowser().get(startUrl(h, { code_challenge: codeChallenge }));

    expect(response.status).toBe(302);
    const state = new URL(response.headers.get('location')!).searchParams.get('state')!;
    const [item] = await scanItems(h, `H5_OAUTH_STATE#${TEST_SECRETS.componentAppid}#${state}`);
    expect(item).toMatchObject({ codeChallenge });
  });

  it.each([
    ['no code_challenge', { code_challenge: null }],
    ['an empty code_challenge', { code_challenge: '' }],
    ['no code_challenge_method', { code_challenge_method: null }],
    ['code_challenge_method plain', { code_challenge_method: 'plain' }],
    [
      'code_challenge_method plain with the verifier as challenge',
      { code_challenge: newPkcePair().codeVerifier, code_challenge_method: 'plain' },
    ],
    ['code_challenge_method s256 in lower case', { code_challenge_method: 's256' }],
    ['a challenge one character short', { code_challenge: newPkcePair().codeChallenge.slice(1) }],
    ['a challenge one character long', { code_challenge: `${newPkcePair().codeChallenge}A` }],
    ['a challenge with padding', { code_challenge: `${newPkcePair().codeChallenge.slice(0, 42)}=` }],
    ['a challenge in standard base64 (+ and /)', { code_challenge: `+/${newPkcePair().codeChallenge.slice(2)}` }],
    [
      'a challenge with a space',
      { code_challenge: `${newPkcePair().codeChallenge.slice(0, 21)} ${newPkcePair().codeChallenge.slice(22)}` },
    ],
    ['a challenge whose last character sets padding bits (no digest encodes to it)', { code_challenge: `${'A'.repeat(42)}B` }],
  ])('rejects %s with a 400 CODE_CHALLENGE_INVALID page and stores no state', async (_name, params) => {
    const before = await stateCount();

    const response = await fetch(startUrl(h, params), { redirect: 'manual' });

    await expectFailurePage(response, 'CODE_CHALLENGE_INVALID');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await stateCount()).toBe(before);
  });
});

describe('PKCE on POST /h5-oauth/session', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.sim.pushTicketNow();
  });
  afterAll(async () => h?.close());

  const newSignIn = () => h5OAuth(h, new TestBrowser());
  const postRaw = (body: unknown) =>
    fetch(`${h.gateway.url}/h5-oauth/session`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  /** The page's own verifier, after a refusal: proves the refusal used the code up. */
  const expectConsumed = async (signedIn: SignedIn) => expectJsonFailure(await redeem(h, signedIn), 'LOGIN_CODE_INVALID');

  it('redeems a login code with the verifier of the page that started the sign-in', async () => {
    const signedIn = await newSignIn();

    const response = await redeem(h, signedIn);

    expect(response.status).toBe(200);
  });

  it.each([
    ['no codeVerifier', () => ({})],
    ['a null codeVerifier', () => ({ codeVerifier: null })],
    ['a numeric codeVerifier', () => ({ codeVerifier: 1234 })],
    ['an empty codeVerifier', () => ({ codeVerifier: '' })],
    ['a codeVerifier of 42 characters', () => ({ codeVerifier: 'a'.repeat(42) })],
    ['a codeVerifier of 129 characters', () => ({ codeVerifier: 'a'.repeat(129) })],
    ['a codeVerifier with a character outside [A-Za-z0-9._~-]', () => ({ codeVerifier: `${'a'.repeat(42)}+` })],
    ['a codeVerifier with non-ASCII characters', () => ({ codeVerifier: `${'a'.repeat(42)}é` })],
    // What an attacker can see of the sign-in (it is in the start URL), offered as if it were the verifier.
    [
      'the code_challenge itself instead of the verifier',
      (signedIn: SignedIn) => ({ codeVerifier: pkcePairOf(signedIn.codeVerifier).codeChallenge }),
    ],
    ['another well-formed verifier', () => ({ codeVerifier: newPkcePair().codeVerifier })],
    ['the verifier of another sign-in', () => ({ codeVerifier: newPkcePair().codeVerifier })],
  ])('rejects %s with 400 CODE_VERIFIER_INVALID and uses the login code up', async (_name, verifierOf) => {
    const signedIn = await newSignIn();

    const response = await postRaw({ loginCode: signedIn.loginCode, ...verifierOf(signedIn) });

    await expectJsonFailure(response, 'CODE_VERIFIER_INVALID');
    await expectConsumed(signedIn);
  });

  it('accepts verifiers of 43 and of 128 characters, the bounds of RFC 7636', async () => {
    const verifiers = ['A'.repeat(43), `${'a'.repeat(64)}._~-${'Z'.repeat(60)}`];

    const statuses: number[] = [];
    for (const codeVerifier of verifiers)
      statuses.push((await redeem(h, await h5OAuth(h, new TestBrowser(), { pkce: pkcePairOf(codeVerifier) }))).status);

    expect(verifiers.map((verifier) => verifier.length)).toEqual([43, 128]);
    expect(statuses).toEqual([200, 200]);
  });

  it('checks the login code before the verifier: an unknown code is LOGIN_CODE_INVALID whatever the verifier', async () => {
    const response = await postRaw({ loginCode: 'A'.repeat(32) });

    await expectJsonFailure(response, 'LOGIN_CODE_INVALID');
  });

  it('binds a same-browser replay’s new login code to the same challenge: the page’s verifier redeems it, another does not', async () => {
    const browser = new TestBrowser();
    const first = await h5OAuth(h, browser);
    const replays = [await browser.get(first.callback), await browser.get(first.callback)];
    const [own, foreign] = replays.map((replay) => new URL(replay.headers.get('location')!).searchParams.get('wx_login')!);

    const ownResponse = await redeem(h, { loginCode: own, codeVerifier: first.codeVerifier });
    const foreignResponse = await redeem(h, { loginCode: foreign, codeVerifier: newPkcePair().codeVerifier });

    expect(ownResponse.status).toBe(200);
    await expectJsonFailure(foreignResponse, 'CODE_VERIFIER_INVALID');
  });

  describe('the planted login code (login CSRF)', () => {
    it('does not sign a victim in with a login code the attacker obtained in their own browser, and uses the code up', async () => {
      const attacker = await h5OAuth(h, new TestBrowser(), { userId: h.sim.oauthUsers()[1]!.id });
      // The victim's page has its own verifier (it started a sign-in of its own earlier) or none at all.
      const victimWithOwnVerifier = await redeem(h, { loginCode: attacker.loginCode, codeVerifier: newPkcePair().codeVerifier });

      const attackerLater = await redeem(h, attacker);

      await expectJsonFailure(victimWithOwnVerifier, 'CODE_VERIFIER_INVALID');
      await expectJsonFailure(attackerLater, 'LOGIN_CODE_INVALID');
    });

    it('refuses a planted code sent without any verifier, as a page that never started a sign-in sends it', async () => {
      const attacker = await h5OAuth(h, new TestBrowser());

      const victim = await postRaw({ loginCode: attacker.loginCode, codeVerifier: null });

      await expectJsonFailure(victim, 'CODE_VERIFIER_INVALID');
      await expectConsumed(attacker);
    });
  });
});

describe('PKCE with cookie binding off', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ oauth: { cookieBinding: false } });
    await h.sim.pushTicketNow();
  });
  afterAll(async () => h?.close());

  it('still binds the login code to the page: without the cookie, PKCE alone stops a planted code', async () => {
    const { codeChallenge } = newPkcePair();
    const started = await fetch(startUrl(h, { code_challenge: codeChallenge }), { redirect: 'manual' });
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
    const code = h.sim.issueOAuthCode({ authorizerAppid: TEST_AUTHORIZER_APPID, userId: h.sim.oauthUsers()[0]!.id, scope: 'snsapi_base' });
    const landed = await fetch(callbackUrl(h.gateway.url, { code, state, appid: TEST_AUTHORIZER_APPID }), { redirect: 'manual' });
    const loginCode = new URL(landed.headers.get('location')!).searchParams.get('wx_login');

    const victim = await redeem(h, { loginCode, codeVerifier: newPkcePair().codeVerifier });

    expect(started.headers.getSetCookie()).toEqual([]);
    await expectJsonFailure(victim, 'CODE_VERIFIER_INVALID');
  });
});

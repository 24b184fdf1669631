import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGITIMATE, OPEN_REDIRECTS } from '../shared/h5-oauth/return-to-cases';
import { TestBrowser } from '../support/h5-oauth-browser';
import { type Harness, RETURN_TO_ORIGIN, startHarness } from '../support/harness';
import { expectFailurePage, h5OAuth, redeem, scanItems, startUrl } from './h5-oauth-flows';

describe('return_to allow-list at /h5-oauth/start (no open redirects)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.sim.pushTicketNow();
  });
  afterAll(async () => h?.close());

  it.each(OPEN_REDIRECTS)('rejects %s with 400 RETURN_TO_NOT_ALLOWED and stores no state', async (_name, returnTo) => {
    const statesBefore = (await scanItems(h, 'H5_OAUTH_STATE#')).length;

    const response = await fetch(startUrl(h, { return_to: returnTo }), { redirect: 'manual' });

    // An empty return_to is a missing parameter, every other one a refused address.
    await expectFailurePage(response, returnTo === '' ? 'BAD_REQUEST' : 'RETURN_TO_NOT_ALLOWED');
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await scanItems(h, 'H5_OAUTH_STATE#')).length).toBe(statesBefore);
  });

  it.each(LEGITIMATE)('accepts %s', async (returnTo) => {
    const response = await fetch(startUrl(h, { return_to: returnTo }), { redirect: 'manual' });

    expect(response.status).toBe(302);
  });

  it('lands on a return_to with a query and a fragment, keeping both and adding wx_login before the fragment', async () => {
    const returnTo = 'https://h5.example.com/app/orders/42?tab=paid&from=menu#/detail?x=1';

    const signedIn = await h5OAuth(h, new TestBrowser(), { returnTo });
    const { landing, loginCode } = signedIn;

    expect(landing.origin).toBe(RETURN_TO_ORIGIN);
    expect(landing.pathname).toBe('/app/orders/42');
    expect([...landing.searchParams]).toEqual([
      ['tab', 'paid'],
      ['from', 'menu'],
      ['wx_login', loginCode],
    ]);
    expect(landing.hash).toBe('#/detail?x=1');
    expect((await redeem(h, signedIn)).status).toBe(200);
  });

  it('replaces a wx_login that return_to already carries instead of adding a second one', async () => {
    const returnTo = 'https://h5.example.com/app/?wx_login=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

    const { landing, loginCode } = await h5OAuth(h, new TestBrowser(), { returnTo });

    expect(landing.searchParams.getAll('wx_login')).toEqual([loginCode]);
  });
});

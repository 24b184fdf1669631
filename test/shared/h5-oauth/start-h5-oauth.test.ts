import { describe, expect, it } from 'vitest';
import { bindingCookieName } from '../../../shared/h5-oauth/browser-binding';
import { retryUrlFor } from '../../../shared/h5-oauth/return-page';
import { SCOPES } from '../../../shared/h5-oauth/start-h5-oauth';

describe('retryUrlFor', () => {
  it('leads back to the page that started the sign-in, query and fragment kept, since only it can start one with a fresh verifier', () => {
    const returnTo = 'https://h5.example.com/app/orders?tab=paid&x=a%20b#/detail?y=1';

    const url = retryUrlFor({ returnTo });

    expect(url).toBe(returnTo);
  });

  it('drops a wx_login or wx_error left from an earlier round trip', () => {
    const url = new URL(retryUrlFor({ returnTo: 'https://h5.example.com/app/?tab=paid&wx_login=AAAA&wx_error=access_denied#top' }));

    expect([...url.searchParams]).toEqual([['tab', 'paid']]);
    expect(url.hash).toBe('#top');
  });
});

describe('bindingCookieName', () => {
  it('is a __Host- cookie named after the state, so parallel sign-ins in one browser do not overwrite each other', () => {
    expect(bindingCookieName('AbC123')).toBe('__Host-wxo_AbC123');
    expect(bindingCookieName('one')).not.toBe(bindingCookieName('two'));
  });
});

describe('SCOPES', () => {
  it('are exactly the two H5 scopes', () => {
    expect([...SCOPES]).toEqual(['snsapi_base', 'snsapi_userinfo']);
  });
});

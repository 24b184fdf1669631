import { describe, expect, it } from 'vitest';
import { bindingCookieName, retryUrlFor, SCOPES } from '../../../shared/oauth/start-sign-in';

describe('retryUrlFor', () => {
  it('repeats the sign-in: our start URL with the same appid, scope and return_to', () => {
    const returnTo = 'https://h5.example.com/app/orders?tab=paid&x=a b#/detail?y=1';

    const url = new URL(retryUrlFor({ startUrl: 'https://auth.example.com/oauth/start' }, { authorizerAppid: 'wx1111111111111111', scope: 'snsapi_userinfo', returnTo }));

    expect(`${url.origin}${url.pathname}`).toBe('https://auth.example.com/oauth/start');
    expect([...url.searchParams]).toEqual([
      ['appid', 'wx1111111111111111'],
      ['scope', 'snsapi_userinfo'],
      ['return_to', returnTo],
    ]);
    expect(url.hash).toBe('');
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

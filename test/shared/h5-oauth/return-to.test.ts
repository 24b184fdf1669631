import { describe, expect, it } from 'vitest';
import { allowedOrigins, isLoopback, matchReturnTo, parseReturnToRules } from '../../../shared/h5-oauth/return-to';
import { LEGITIMATE, OPEN_REDIRECTS } from './return-to-cases';

const RULES = parseReturnToRules(['https://h5.example.com/app/']);

describe('matchReturnTo', () => {
  it.each(OPEN_REDIRECTS)('rejects %s', (_name, candidate) => {
    const matched = matchReturnTo(candidate, RULES);

    expect(matched).toBeNull();
  });

  it.each(LEGITIMATE)('accepts %s, normalized', (candidate, normalized) => {
    const matched = matchReturnTo(candidate, RULES);

    expect(matched).toBe(normalized);
  });

  it('accepts a URL of exactly 2048 characters and rejects one of 2049', () => {
    const base = 'https://h5.example.com/app/?x=';
    const atLimit = base + 'a'.repeat(2048 - base.length);

    expect(matchReturnTo(atLimit, RULES)).toBe(atLimit);
    expect(matchReturnTo(`${atLimit}a`, RULES)).toBeNull();
  });

  it('matches any of several rules, each on its own origin and path', () => {
    const rules = parseReturnToRules(['https://h5.example.com/app/', 'https://shop.example.com/']);

    expect(matchReturnTo('https://shop.example.com/cart', rules)).toBe('https://shop.example.com/cart');
    expect(matchReturnTo('https://h5.example.com/app/x', rules)).toBe('https://h5.example.com/app/x');
    expect(matchReturnTo('https://h5.example.com/cart', rules)).toBeNull();
  });

  it('rejects everything when no rule is configured', () => {
    expect(matchReturnTo('https://h5.example.com/app/', [])).toBeNull();
  });
});

describe('parseReturnToRules', () => {
  it('keeps the origin and a path prefix that ends with a slash', () => {
    const rules = parseReturnToRules(['https://h5.example.com/app', 'https://shop.example.com', 'http://localhost:5173/h5/']);

    expect(rules).toEqual([
      { origin: 'https://h5.example.com', pathPrefix: '/app/' },
      { origin: 'https://shop.example.com', pathPrefix: '/' },
      { origin: 'http://localhost:5173', pathPrefix: '/h5/' },
    ]);
  });

  it.each([
    ['a relative entry', '/app/', 'entry 1 is not an absolute URL'],
    ['plain http on a public host', 'http://h5.example.com/app/', 'entry 1 must use https'],
    ['a query', 'https://h5.example.com/app/?x=1', 'entry 1 must be an http(s) origin'],
    ['a fragment', 'https://h5.example.com/app/#x', 'entry 1 must be an http(s) origin'],
    ['credentials', 'https://user@h5.example.com/app/', 'entry 1 must be an http(s) origin'],
    ['another scheme', 'ftp://h5.example.com/', 'entry 1 must be an http(s) origin'],
  ])('throws on %s, naming the entry by position', (_name, entry, message) => {
    expect(() => parseReturnToRules([entry])).toThrow(message);
  });

  it('names the position of the bad entry, not its value', () => {
    const error = (() => {
      try {
        parseReturnToRules(['https://h5.example.com/app/', 'http://secret-host.example/']);
      } catch (err) {
        return err as Error;
      }
    })();

    expect(error?.message).toContain('entry 2');
    expect(error?.message).not.toContain('secret-host');
  });
});

describe('isLoopback', () => {
  it.each(['localhost', '127.0.0.1', '[::1]'])('treats %s as loopback', (hostname) => {
    expect(isLoopback(hostname)).toBe(true);
  });

  it.each(['localhost.example.com', '127.0.0.2', 'h5.example.com'])('does not treat %s as loopback', (hostname) => {
    expect(isLoopback(hostname)).toBe(false);
  });
});

describe('allowedOrigins', () => {
  it('is the set of the rules’ origins, without paths', () => {
    const rules = parseReturnToRules(['https://h5.example.com/app/', 'https://h5.example.com/other/', 'https://shop.example.com/']);

    expect(allowedOrigins(rules)).toEqual(new Set(['https://h5.example.com', 'https://shop.example.com']));
  });
});

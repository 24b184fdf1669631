import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchReturnTo, parseReturnToRules, type ReturnToRule } from '../../../shared/h5-oauth/return-to';

/** Fixed, so a failure reproduces: fast-check prints the counterexample and the path to replay it with this seed. */
const SEED = 20261130;
const NUM_RUNS = 10_000;

const RULES = parseReturnToRules([
  'https://h5.example.com/app/',
  'https://m.example.com/',
  'http://127.0.0.1:3000/demo/',
  'https://h5.example.com/%E4%B8%AD/',
]);

// Pieces of URLs an attacker would try. Each part is mostly one that fits an allowed prefix and sometimes a near miss:
// other hosts and look-alikes (IDN, full-width, trailing dot, numeric IPs), userinfo, ports, encodings, backslashes,
// dot segments, case variants.
const part = (fitting: string[], nearMisses: string[]) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...fitting) }, { weight: 2, arbitrary: fc.constantFrom(...nearMisses) });
const SCHEME = part(
  ['https://', 'http://', 'HTTPS://', 'hTtP://'],
  [
    'https:/',
    'https:',
    'https:\\',
    'https:/\\',
    '//',
    '\\\\',
    '/\\',
    'https:///',
    'javascript:',
    'data:text/html,',
    'ftp://',
    'blob:https://',
    '',
  ],
);
const USERINFO = part(
  [''],
  [
    'user@',
    'user:pass@',
    ':@',
    '@',
    'h5.example.com@',
    'm.example.com:443@',
    'evil.example@',
    'h5.example.com%40evil.example@',
    '%40',
    'evil.example%2F@',
  ],
);
const HOST = part(
  ['h5.example.com', 'm.example.com', '127.0.0.1', 'H5.EXAMPLE.COM', 'M.Example.Com'],
  [
    'h5.example.com.',
    'localhost',
    '[::1]',
    '0x7f.0.0.1',
    '2130706433',
    '127.1',
    '127.0.0.01',
    'evil.example',
    'h5.example.com.evil.example',
    'evilh5.example.com',
    'm.example.com.evil.example',
    'evil.example#h5.example.com',
    'evil.example?m.example.com',
    'evil.example\\h5.example.com',
    'h5.example.com\\@evil.example',
    'ｈ５.example.com',
    'h5。example。com',
    'xn--h5-8ja.example.com',
    'h5.exa%6dple.com',
    'h5%2eexample.com',
    'h5.example.com\u200b',
    'h5.ex\u00adample.com',
    '',
  ],
);
const PORT = part(
  ['', ':443', ':80', ':3000'],
  [':8443', ':', ':0443', ':03000', ':65536', ':-1', ':3000@evil.example', ':443\\@evil.example'],
);
const PATH = part(
  ['/app/', '/app', '/app/orders/42', '/', '', '/demo/', '/demo', '/demo/x', '/%E4%B8%AD/', '/中/', '/app/./x'],
  [
    '/%e4%b8%ad/',
    '/appx',
    '/APP/',
    '/demox/',
    '/%61pp/',
    '/app/../admin',
    '/app/%2e%2e/admin',
    '/app/.%2E/admin',
    '/app/%2F..%2Fadmin',
    '/app\\..\\admin',
    '/app/..;/admin',
    '/..',
    '/app/..',
    '//evil.example/',
    '/app//evil.example',
    '/app/%5c',
    '/app/%00',
    '/demo/%2e%2e/',
    '/%E4%B8%AD/../x',
    '/./app/',
    '/app%2f',
    '/app/%252e%252e/',
  ],
);
const TAIL = part(
  ['', '?x=1', '#frag', '?next=%2Fapp%2F'],
  ['?next=//evil.example', '#@evil.example', '?a=%0d%0a', '?@evil', '#\\evil', '?wx_login=x#y'],
);
const NOISE = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u007f',
  '\\',
  '/',
  '@',
  '%',
  '%2f',
  '%5C',
  '.',
  ':',
  '#',
  '?',
  '\u3000',
  '\u00a0',
  '\u2028',
  '\ufeff',
  'é',
  '\u0130',
  'ſ',
  'K',
];

/** Up to two noise strings inserted anywhere and up to two letters' case flipped. */
const MUTATIONS = fc.record({
  insertions: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...NOISE)), { maxLength: 2 }),
  caseFlips: fc.array(fc.nat(), { maxLength: 2 }),
});

function mutate(url: string, { insertions, caseFlips }: { insertions: Array<[number, string]>; caseFlips: number[] }): string {
  let out = url;
  for (const [at, noise] of insertions) {
    const i = at % (out.length + 1);
    out = out.slice(0, i) + noise + out.slice(i);
  }
  for (const at of caseFlips) {
    const i = at % Math.max(out.length, 1);
    const c = out.charAt(i);
    out = out.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + out.slice(i + 1);
  }
  return out;
}

/** Assembled from the parts above, then mutated. */
const structured = fc
  .tuple(fc.tuple(SCHEME, USERINFO, HOST, PORT, PATH, TAIL), MUTATIONS)
  .map(([parts, mutations]) => mutate(parts.join(''), mutations));

/** An allowed origin and prefix with a suffix, then mutated: near misses of legitimate return addresses. */
const nearAllowed = fc
  .tuple(fc.constantFrom(...RULES), fc.constantFrom('', 'x', 'a/b/', '..', '../x', '%2e%2e/', '?q=1', '#/p?x=1', '\\x', '@x'), MUTATIONS)
  .map(([rule, suffix, mutations]) => mutate(`${rule.origin}${rule.pathPrefix}${suffix}`, mutations));

const candidates = fc.oneof(
  { weight: 4, arbitrary: nearAllowed },
  { weight: 4, arbitrary: structured },
  { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
);

/** Path segments of `pathname` start with those of `prefix` (which ends with '/'): an independent reading of "under". */
function isUnder(pathname: string, prefix: string): boolean {
  const wanted = prefix.split('/').slice(1, -1);
  const got = pathname.split('/').slice(1);
  return got.length >= wanted.length && wanted.every((segment, i) => got[i] === segment);
}

/** What a browser does with our redirect: the Location resolved against the callback URL it came from. */
const followed = (location: string) => new URL(location, 'https://api.example.net/oauth/callback?code=c&state=s');

function assertSafe(candidate: string, matched: string, rules: readonly ReturnToRule[]): void {
  const url = followed(matched);
  expect(url.href, 'the redirect target is absolute and already normalized').toBe(matched);
  expect({ username: url.username, password: url.password }).toEqual({ username: '', password: '' });
  expect(['https:', 'http:']).toContain(url.protocol);
  expect(
    rules.some((rule) => url.origin === rule.origin && isUnder(url.pathname, rule.pathPrefix)),
    `${JSON.stringify(candidate)} → ${matched}: an allowed origin and a path under its prefix`,
  ).toBe(true);
  expect(
    url.pathname.split('/').filter((segment) => /^(\.|%2e){1,2}$/i.test(segment)),
    'no dot segment left',
  ).toEqual([]);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the property is that no control character survives.
  expect(matched).not.toMatch(/[\\\s\u0000-\u001f\u007f]/);
  expect(matchReturnTo(matched, rules), 'accepted again as it is').toBe(matched);
}

describe(`matchReturnTo, property-based (fast-check, seed ${SEED}, ${NUM_RUNS.toLocaleString('en')} runs)`, () => {
  it('never accepts a return_to that would redirect off the allow-list', () => {
    let accepted = 0;

    fc.assert(
      fc.property(candidates, (candidate) => {
        const matched = matchReturnTo(candidate, RULES);
        if (matched === null) return;
        accepted++;
        assertSafe(candidate, matched, RULES);
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );

    // Not vacuous: a fair share of the generated candidates are accepted, and each of those was checked.
    expect(accepted).toBeGreaterThan(NUM_RUNS / 50);
  });
});

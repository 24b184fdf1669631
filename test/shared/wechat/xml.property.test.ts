/**
 * Differential test of the hand-written parseWechatXml against fast-xml-parser (its validator and parser, as the
 * service used them before: test/support/reference-wechat-xml.ts). On every input the two agree: the same map, or
 * both refuse. Ours may only be stricter, and only on the constructs XML itself forbids or WeChat never sends, which
 * fast-xml-parser lets through: a processing instruction, "<" in an attribute value, "]]>" in text, "--" inside a
 * comment. (It also renames elements named like Object members, `toString` to `__toString`; the comparison undoes
 * that.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { parseWechatXml } from '../../../shared/wechat/xml';
import { parseWechatXmlWithFastXmlParser } from '../../support/reference-wechat-xml';

const SEED = 20261130;
const NUM_RUNS = 5_000;
// 5,000 runs of both parsers take about 1.2 s here: a bound of its own above the unit project's 5 s.
const PROPERTY_TIMEOUT_MS = 20_000;

type Outcome = { fields: Record<string, string> } | { refused: string };

function outcomeOf(parse: (xml: string) => Record<string, string>, xml: string): Outcome {
  try {
    return { fields: parse(xml) };
  } catch (err) {
    if (err instanceof WechatMessageError) return { refused: err.code };
    throw err;
  }
}

const names = fc.constantFrom('xml', 'A', 'B', 'info', 'a.b', 'x:y', 'toString', '__proto__', 'é');
const text = fc.constantFrom(
  '',
  ' ',
  '\n  ',
  'v',
  'a b',
  '&amp;',
  '&lt;x&gt;',
  '&#x41;',
  '&#65;',
  '&bogus;',
  '&',
  'x]]>y',
  '1 &#0; 2',
  '>',
);
const attribute = fc.constantFrom('', ' k="v"', " k='v'", ' k=v', ' k="<"', ' k="&amp;"', ' k="1" k="2"', ' k = "v"', 'k="v"');
const misc = fc.constantFrom('<!-- c -->', '<!-- a -- b -->', '<?pi x?>', '<![CDATA[c]]>', '<![CDATA[]]]]>', '<!-->', '');

/** XML built from element trees of WeChat-like pieces, with the odd broken part: mostly well-formed, often not. */
const leaf = fc.oneof(
  fc.tuple(names, attribute, text).map(([n, a, t]) => `<${n}${a}>${t}</${n}>`),
  fc.tuple(names, attribute).map(([n, a]) => `<${n}${a}/>`),
  fc.tuple(names, fc.constantFrom('x', ' ', 'x]]y')).map(([n, t]) => `<${n}><![CDATA[${t}]]></${n}>`),
  fc.tuple(names, names).map(([open, close]) => `<${open}>v</${close}>`),
);
const element: fc.Memo<string> = fc.memo((depth) =>
  depth <= 1
    ? leaf
    : fc.oneof(
        leaf,
        fc
          .tuple(names, fc.array(fc.oneof(element(depth - 1), text, misc), { maxLength: 4 }))
          .map(([n, children]) => `<${n}>${children.join('')}</${n}>`),
      ),
);

const documents = fc
  .tuple(
    fc.constantFrom('', '<?xml version="1.0" encoding="utf-8"?>', '\ufeff', ' \n'),
    fc.array(fc.oneof(element(4), text, misc), { maxLength: 5 }),
    fc.constantFrom('', ' ', '<!-- end -->', 'tail', '<xml/>'),
  )
  .map(([head, children, tail]) => `${head}<xml>${children.join('')}</xml>${tail}`);

/** Where only ours refuses, the input holds one of the constructs the header names. */
const STRICTER_ONLY_ON: Array<(xml: string) => boolean> = [
  (xml) => /<\?(?!xml[\s?])/.test(xml),
  (xml) => /="[^"]*<|='[^']*</.test(xml),
  (xml) => xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '').includes(']]>'),
  (xml) => /<!--(?:(?!-->)[\s\S])*--(?!>)/.test(xml),
];

describe(`parseWechatXml against fast-xml-parser (fast-check seed ${SEED}, ${NUM_RUNS} runs)`, () => {
  it('reads the same map or refuses like it, stricter only on what XML forbids', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(documents, (xml) => {
        const ours = outcomeOf(parseWechatXml, xml);
        const reference = outcomeOf(parseWechatXmlWithFastXmlParser, xml);
        // fast-xml-parser renames elements named like Object members (`toString` → `__toString`); ours keeps the name.
        if ('fields' in reference)
          reference.fields = Object.fromEntries(
            Object.entries(reference.fields).map(([key, value]) => [key.replace(/__(?=toString)/g, ''), value]),
          );
        if ('fields' in ours) {
          expect(reference, 'we accept only what fast-xml-parser accepts').toEqual(ours);
        } else if ('fields' in reference) {
          expect(
            STRICTER_ONLY_ON.some((holds) => holds(xml)),
            `only ours refuses (${ours.refused}) a document without the constructs we refuse on purpose`,
          ).toBe(true);
        } else {
          expect(ours.refused.startsWith('XML_') || ours.refused === 'BODY_TOO_LARGE').toBe(true);
        }
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
  });

  it('generates both accepted and refused documents, so the comparison covers each side', () => {
    const sample = fc.sample(documents, { seed: SEED, numRuns: 2_000 });
    const accepted = sample.filter((xml) => 'fields' in outcomeOf(parseWechatXml, xml)).length;

    expect(accepted).toBeGreaterThan(200);
    expect(sample.length - accepted).toBeGreaterThan(200);
  });
});

import { describe, expect, it } from 'vitest';
import { scanPushEnvelope } from '../../../shared/wechat/envelope-scan';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { parseWechatXml } from '../../../shared/wechat/xml';
import { catchError } from '../../support/catch-error';

const APPID = 'wx1234567890abcdef';
const ENCRYPT = 'AbC+/0123456789xyzXYZ==';
const ENVELOPE = `<xml><AppId><![CDATA[${APPID}]]></AppId><Encrypt><![CDATA[${ENCRYPT}]]></Encrypt></xml>`;

describe('scanPushEnvelope', () => {
  const accepted: Array<[string, string, { appId?: string; encrypt?: string }]> = [
    ["WeChat's envelope", ENVELOPE, { appId: APPID, encrypt: ENCRYPT }],
    [
      'an XML declaration, line breaks and indentation',
      `<?xml version="1.0" encoding="utf-8"?>\n<xml>\n  <AppId><![CDATA[${APPID}]]></AppId>\n  <Encrypt>\n    <![CDATA[${ENCRYPT}]]>\n  </Encrypt>\n</xml>\n`,
      { appId: APPID, encrypt: ENCRYPT },
    ],
    ['a byte order mark', `\uFEFF${ENVELOPE}`, { appId: APPID, encrypt: ENCRYPT }],
    ['plain-text values', `<xml><AppId>${APPID}</AppId><Encrypt>${ENCRYPT}</Encrypt></xml>`, { appId: APPID, encrypt: ENCRYPT }],
    [
      'comments between and inside elements',
      `<!-- a --><xml><!-- b --><AppId>${APPID}<!-- c --></AppId><Encrypt>${ENCRYPT}</Encrypt></xml><!-- d -->`,
      { appId: APPID, encrypt: ENCRYPT },
    ],
    ['whitespace inside tags', `<xml ><AppId >${APPID}</AppId ><Encrypt>${ENCRYPT}</Encrypt ></xml >`, { appId: APPID, encrypt: ENCRYPT }],
    [
      'other flat elements, which are skipped',
      `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt>${ENCRYPT}</Encrypt><Note>a &amp; b</Note><AppId>${APPID}</AppId></xml>`,
      { appId: APPID, encrypt: ENCRYPT },
    ],
    ['an empty and a self-closing element', '<xml><AppId></AppId><Encrypt/></xml>', { appId: '', encrypt: '' }],
    ['no AppId and no Encrypt', '<xml><A>1</A></xml>', {}],
    ['an empty root', '<xml></xml>', {}],
  ];

  it.each(accepted)('reads %s', (_label, body, fields) => {
    expect(scanPushEnvelope(body)).toEqual(fields);
  });

  it.each(accepted.filter(([, , fields]) => fields.encrypt))('reads %s exactly as the full parser does', (_label, body) => {
    const scanned = scanPushEnvelope(body);

    const parsed = parseWechatXml(body);

    expect(scanned).toEqual({ appId: parsed.AppId, encrypt: parsed.Encrypt });
  });

  it.each([
    ['an empty body', ''],
    ['whitespace only', ' \n '],
    ['plain text', 'success'],
    ['JSON', `{"AppId":"${APPID}"}`],
    ['a root that is not <xml>', '<root><A>1</A></root>'],
    ['a root named like xml', '<xmlx><A>1</A></xmlx>'],
    ['an attribute on the root', `<xml lang="zh">${ENVELOPE.slice(5)}`],
    ['an attribute on an element', `<xml><AppId a="1">${APPID}</AppId></xml>`],
    ['a nested element', `<xml><Encrypt><B>${ENCRYPT}</B></Encrypt></xml>`],
    ['deep nesting', `<xml>${'<a>'.repeat(500)}${'</a>'.repeat(500)}</xml>`],
    ['a repeated AppId', `<xml><AppId>${APPID}</AppId><AppId>${APPID}</AppId><Encrypt>${ENCRYPT}</Encrypt></xml>`],
    ['a repeated Encrypt', `<xml><Encrypt>${ENCRYPT}</Encrypt><AppId>${APPID}</AppId><Encrypt>x</Encrypt></xml>`],
    ['two roots', `${ENVELOPE}${ENVELOPE}`],
    ['text after the root', `${ENVELOPE}trailing`],
    ['text directly inside <xml>', `<xml>hello${ENVELOPE.slice(5)}`],
    ['an unclosed root', ENVELOPE.slice(0, -6)],
    ['a truncated body', ENVELOPE.slice(0, ENVELOPE.length - 10)],
    ['an unclosed element', `<xml><Encrypt>${ENCRYPT}`],
    ['an unclosed CDATA section', `<xml><Encrypt><![CDATA[${ENCRYPT}</Encrypt></xml>`],
    ['an unclosed comment', `<xml><!-- ${ENCRYPT}</xml>`],
    ['an unclosed XML declaration', '<?xml version="1.0"<xml></xml>'],
    ['a mismatched end tag', `<xml><Encrypt>${ENCRYPT}</AppId></xml>`],
    ['an end tag at the root level', '<xml></A></xml>'],
    ['an entity in Encrypt', `<xml><Encrypt>${ENCRYPT}&amp;</Encrypt></xml>`],
    ['an entity in AppId', '<xml><AppId>wx&#49;</AppId></xml>'],
    ['CDATA between elements', `<xml><![CDATA[x]]>${ENVELOPE.slice(5)}`],
    ['a processing instruction inside the root', `<xml><?php x ?>${ENVELOPE.slice(5)}`],
    ['an element name of 65 characters', `<xml><${'a'.repeat(65)}>1</${'a'.repeat(65)}></xml>`],
    ['a non-ASCII element name', '<xml><名>1</名></xml>'],
    ['thousands of flat elements', `<xml>${'<A>1</A>'.repeat(2000)}${ENVELOPE.slice(5)}`],
    ['a thousand comments', `<xml>${'<!-- x -->'.repeat(1000)}${ENVELOPE.slice(5)}`],
    ['Encrypt split into a thousand CDATA sections', `<xml><Encrypt>${'<![CDATA[QUJD]]>'.repeat(1000)}</Encrypt></xml>`],
    ['a "]" inside CDATA', `<xml><Encrypt><![CDATA[${ENCRYPT}]]]></Encrypt></xml>`],
    ['a comment longer than 256 characters', `<xml><!--${'-'.repeat(300)}-->${ENVELOPE.slice(5)}`],
    ['an XML declaration longer than 256 characters', `<?xml version="1.0"${' '.repeat(300)}?>${ENVELOPE}`],
  ])('rejects %s as XML_MALFORMED', (_label, body) => {
    const err = catchError(() => scanPushEnvelope(body));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'XML_MALFORMED' });
  });

  it.each([
    ['a DOCTYPE before the root', `<!DOCTYPE xml>${ENVELOPE}`],
    ['a DOCTYPE after the XML declaration', `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${ENVELOPE}`],
    ['a lower-case doctype written with whitespace', `<! doctype xml [<!entity e "x">]>${ENVELOPE}`],
    ['an ENTITY declaration inside the root', `<xml><!ENTITY a "b">${ENVELOPE.slice(5)}`],
    ['an ELEMENT declaration inside an element', `<xml><Encrypt><!ELEMENT x ANY>${ENCRYPT}</Encrypt></xml>`],
  ])('rejects %s as XML_FORBIDDEN_DECLARATION', (_label, body) => {
    const err = catchError(() => scanPushEnvelope(body));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'XML_FORBIDDEN_DECLARATION' });
  });

  it('accepts up to 32 tags, comments and sections in all', () => {
    // <xml>, </xml> and 10 elements of 3 constructs each.
    const body = `<xml>${'<A><![CDATA[1]]></A>'.repeat(10)}</xml>`;

    expect(scanPushEnvelope(body)).toEqual({});
    expect(() => scanPushEnvelope(body.replace('<xml>', '<xml><!-- one too many -->'))).toThrow(WechatMessageError);
  });

  it('accepts an element name of 64 characters', () => {
    const name = 'a'.repeat(64);

    expect(scanPushEnvelope(`<xml><${name}>1</${name}></xml>`)).toEqual({});
  });

  it('never quotes the input in its error message', () => {
    const err = catchError(() =>
      scanPushEnvelope(`<xml><Encrypt>CANARY-ciphertext</Encrypt><Encrypt>CANARY-again</Encrypt></xml>`),
    ) as Error;

    expect(err.message).not.toContain('CANARY');
    expect((err as { cause?: unknown }).cause).toBeUndefined();
  });
});

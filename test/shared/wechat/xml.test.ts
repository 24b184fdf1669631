import { describe, expect, it } from 'vitest';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { DEFAULT_MAX_XML_BYTES, parseWechatXml } from '../../../shared/wechat/xml';
import { catchError } from '../../support/catch-error';

const TICKET_PUSH =
  '<xml><AppId>wx1234567890abcdef</AppId><CreateTime>1413192605</CreateTime>' +
  '<InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>ticket@@@0012e5</ComponentVerifyTicket></xml>';

describe('parseWechatXml', () => {
  it('reads a flat push into a map of strings', () => {
    const parsed = parseWechatXml(TICKET_PUSH);

    expect(parsed).toEqual({
      AppId: 'wx1234567890abcdef',
      CreateTime: '1413192605',
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: 'ticket@@@0012e5',
    });
  });

  it('keeps number-like values exactly as sent', () => {
    const xml = '<xml><A>0012</A><B>1e5</B><C>0x1F</C><D>12345678901234567890</D><E>true</E></xml>';

    const parsed = parseWechatXml(xml);

    expect(parsed).toEqual({ A: '0012', B: '1e5', C: '0x1F', D: '12345678901234567890', E: 'true' });
  });

  it('reads CDATA values and trims surrounding whitespace and indentation', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?>\n<xml>\n  <AppId><![CDATA[ wxabc ]]></AppId>\n  <Encrypt>\n    <![CDATA[abc+/=]]>\n  </Encrypt>\n  <Empty/>\n</xml>\n';

    const parsed = parseWechatXml(xml);

    expect(parsed).toEqual({ AppId: 'wxabc', Encrypt: 'abc+/=', Empty: '' });
  });

  it('reads a CDATA value containing "]]" and a value split around "]]>" as WeChat SDKs write it', () => {
    const xml = '<xml><A><![CDATA[a]]b]]></A><B><![CDATA[x]]]]><![CDATA[>y]]></B></xml>';

    const parsed = parseWechatXml(xml);

    expect(parsed).toEqual({ A: 'a]]b', B: 'x]]>y' });
  });

  it('decodes predefined entities and character references in text, but not inside CDATA', () => {
    const xml = '<xml><A>a &lt; b &amp;&amp; c &gt; d &quot;&apos; &#60;&#x3E;</A><B><![CDATA[&lt;kept&gt;]]></B></xml>';

    const parsed = parseWechatXml(xml);

    expect(parsed).toEqual({ A: 'a < b && c > d "\' <>', B: '&lt;kept&gt;' });
  });

  it.each([
    ['an undeclared entity', '<xml><A>&nbsp;</A></xml>'],
    ['a character reference to NUL', '<xml><A>&#0;</A></xml>'],
    ['a character reference beyond Unicode', '<xml><A>&#x110000;</A></xml>'],
    ['a bare ampersand', '<xml><A>a & b</A></xml>'],
  ])('rejects text with %s as malformed', (_label, xml) => {
    const err = catchError(() => parseWechatXml(xml));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'XML_MALFORMED' });
  });

  it.each([
    ['an external entity (XXE)', '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>'],
    [
      'billion laughs',
      '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><A>&lol3;</A></xml>',
    ],
    ['a DOCTYPE alone', '<!DOCTYPE xml><xml><A>1</A></xml>'],
    ['a lower-case doctype', '<!doctype xml><xml><A>1</A></xml>'],
    ['a mixed-case DocType', '<!DocType xml SYSTEM "http://attacker.example/x.dtd"><xml><A>1</A></xml>'],
    ['an ENTITY declaration outside a DOCTYPE', '<xml><!ENTITY a "b"><A>1</A></xml>'],
    ['a DOCTYPE inside CDATA', '<xml><A><![CDATA[<!DOCTYPE x>]]></A></xml>'],
  ])('rejects %s as a forbidden declaration', (_label, xml) => {
    const err = catchError(() => parseWechatXml(xml));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'XML_FORBIDDEN_DECLARATION' });
  });

  it('reads nested elements, as in notify_third_fasteregister, as dotted keys', () => {
    const xml =
      '<xml><InfoType>notify_third_fasteregister</InfoType><info><name><![CDATA[Example Co]]></name><code_type>1</code_type></info></xml>';

    const fields = parseWechatXml(xml);

    expect(fields).toEqual({ InfoType: 'notify_third_fasteregister', 'info.name': 'Example Co', 'info.code_type': '1' });
  });

  it.each([
    ['empty input', ''],
    ['whitespace only', '  \n '],
    ['garbage', 'success'],
    ['JSON', '{"AppId":"wx"}'],
    ['elements nested four levels deep', '<xml><A><B><C><D>1</D></C></B></A></xml>'],
    ['text beside a nested element', '<xml><A>x<B>1</B></A></xml>'],
    ['a repeated nested element', '<xml><A><B>1</B><B>2</B></A></xml>'],
    ['two roots', '<xml><A>1</A></xml><xml><A>2</A></xml>'],
    ['a root that is not <xml>', '<root><A>1</A></root>'],
    ['text directly inside <xml>', '<xml>hello<A>1</A></xml>'],
    ['a repeated element', '<xml><AppId>wxa</AppId><AppId>wxb</AppId></xml>'],
    ['an unclosed root', '<xml><A>1</A>'],
    ['mismatched tags', '<xml><A>1</B></xml>'],
    ['trailing text after the root', '<xml><A>1</A></xml>trailing'],
    ['an unterminated CDATA section', '<xml><A><![CDATA[x]]</A></xml>'],
    ['a __proto__ element', '<xml><__proto__>1</__proto__></xml>'],
  ])('rejects %s as malformed', (_label, xml) => {
    const err = catchError(() => parseWechatXml(xml));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'XML_MALFORMED' });
  });

  it('rejects a body over the default 64 KiB limit', () => {
    const xml = `<xml><A>${'a'.repeat(DEFAULT_MAX_XML_BYTES)}</A></xml>`;

    const err = catchError(() => parseWechatXml(xml));

    expect(DEFAULT_MAX_XML_BYTES).toBe(64 * 1024);
    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('measures the limit in UTF-8 bytes, not characters', () => {
    const xml = `<xml><A>${'字'.repeat(10)}</A></xml>`; // 17 + 30 bytes, 27 characters

    const err = catchError(() => parseWechatXml(xml, { maxBytes: 40 }));

    expect(xml.length).toBeLessThan(40);
    expect(err).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('accepts a body exactly at the limit', () => {
    const xml = '<xml><A>1</A></xml>';

    const parsed = parseWechatXml(xml, { maxBytes: Buffer.byteLength(xml) });

    expect(parsed).toEqual({ A: '1' });
  });

  it('checks the size before looking for declarations', () => {
    const xml = `<!DOCTYPE x><xml><A>${'a'.repeat(100)}</A></xml>`;

    const err = catchError(() => parseWechatXml(xml, { maxBytes: 50 }));

    expect(err).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('ignores comments and attributes', () => {
    const xml = '<xml><!-- pushed by WeChat --><A lang="zh">1</A></xml>';

    const parsed = parseWechatXml(xml);

    expect(parsed).toEqual({ A: '1' });
  });

  it('never quotes the input in the error message', () => {
    const xml = '<xml><Secret>CANARY-ticket-value</Secret><Secret>again</Secret></xml>';

    const err = catchError(() => parseWechatXml(xml)) as Error;

    expect(err.message).not.toContain('CANARY-ticket-value');
    expect((err as { cause?: unknown }).cause).toBeUndefined();
  });
});

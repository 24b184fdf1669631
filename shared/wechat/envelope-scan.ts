/**
 * A cheap, strict, bounded first reading of the outer push body, so that nothing expensive runs on a body whose
 * msg_signature has not been verified yet (docs/wechat-protocol.md §2). It takes exactly the envelope WeChat sends,
 *
 *   [BOM] [<?xml ...?>] <xml> <AppId>..</AppId> <Encrypt>..</Encrypt> </xml>
 *
 * with whitespace and comments between the parts, CDATA or plain text as element content, and other flat elements
 * skipped. It reads the body once, left to right: no regular expression over the body, no backtracking, no tree, and it
 * stops at the first construct outside this grammar (a nested element, an attribute, a DOCTYPE, a second root). Its
 * cost is bounded per byte, not only per body: at most MAX_CONSTRUCTS tags, comments and CDATA sections; terminators
 * found with single-character indexOf (a multi-character search degrades on inputs like "-----" or "]]]]]"); comments
 * and the XML declaration at most MAX_MARKUP_LENGTH long; no "]" inside CDATA (appids, ids and base64 never hold one).
 * The full well-formedness checks of xml.ts run on the body only after the signature passed.
 *
 * Written by hand because no XML library offers this: fast-xml-parser and its validator, like the other parsers on npm, read and validate the whole document before a caller sees any field, and a crafted body
 * (deep nesting, thousands of tags, attribute soup) makes that cost hundreds of times a genuine push's.
 */
import { WechatMessageError } from './errors';

/** The two outer fields the signature check needs; each absent when the envelope does not carry it. */
export interface PushEnvelopeFields {
  appId?: string;
  encrypt?: string;
}

// Element names in the envelope are short ASCII words (AppId, Encrypt, ToUserName); a longer one is not WeChat's.
const MAX_NAME_LENGTH = 64;
// WeChat's envelope has 8 (4 tags, 2 CDATA sections, 2 end tags); junk made of thousands of tiny tags stops here.
const MAX_CONSTRUCTS = 32;
// An XML declaration is about 40 characters; WeChat sends no comments at all.
const MAX_MARKUP_LENGTH = 256;
const WANTED: Readonly<Record<string, keyof PushEnvelopeFields>> = { AppId: 'appId', Encrypt: 'encrypt' };

/**
 * Reads AppId and Encrypt from an outer push body in one bounded pass. Throws WechatMessageError XML_MALFORMED for
 * anything but the envelope grammar above (including a repeated AppId or Encrypt, or `&` in either: base64 and appids
 * never need an entity) and XML_FORBIDDEN_DECLARATION for a DOCTYPE, ENTITY or other `<!` declaration.
 */
export function scanPushEnvelope(body: string): PushEnvelopeFields {
  return new EnvelopeScanner(body).scan();
}

class EnvelopeScanner {
  private pos = 0;
  private constructs = 0;
  private readonly fields: PushEnvelopeFields = {};

  constructor(private readonly text: string) {}

  scan(): PushEnvelopeFields {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (this.text.startsWith('<?xml', this.pos)) this.pos = this.afterMarkup('?>', this.pos + 5);
    this.skipMisc();
    this.expectStartTag('xml');
    for (;;) {
      this.skipMisc();
      if (this.text.startsWith('</', this.pos)) break;
      this.readChild();
    }
    this.expectEndTag('xml');
    this.skipMisc();
    if (this.pos !== this.text.length) throw malformed('content after the <xml> root');
    return this.fields;
  }

  /** Whitespace and comments, which may sit between any two parts of the envelope. */
  private skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (!this.text.startsWith('<!', this.pos)) return;
      if (this.text.startsWith('<![CDATA[', this.pos)) throw malformed('CDATA beside the envelope elements');
      if (!this.text.startsWith('<!--', this.pos)) throw declaration();
      this.count();
      this.pos = this.afterMarkup('-->', this.pos + 4);
    }
  }

  private readChild(): void {
    if (this.text.charCodeAt(this.pos) !== 0x3c /* < */) throw malformed('text beside the envelope elements');
    this.count();
    this.pos++;
    const name = this.readName();
    const field = Object.hasOwn(WANTED, name) ? WANTED[name] : undefined;
    if (field !== undefined && this.fields[field] !== undefined) throw malformed(`element <${name}> appears more than once`);
    this.skipSpace();
    if (this.text.startsWith('/>', this.pos)) {
      this.pos += 2;
      if (field !== undefined) this.fields[field] = '';
      return;
    }
    this.expect('>');
    const value = this.readContent(field !== undefined);
    this.expectEndTag(name);
    if (field !== undefined) this.fields[field] = value.trim();
  }

  /** Text, CDATA and comments up to the next end tag; a nested element is not part of the envelope. */
  private readContent(keep: boolean): string {
    let value = '';
    for (;;) {
      const lt = this.text.indexOf('<', this.pos);
      if (lt === -1) throw malformed('an element is not closed');
      if (keep) {
        const text = this.text.slice(this.pos, lt);
        if (text.includes('&')) throw malformed('an entity reference in AppId or Encrypt');
        value += text;
      }
      this.pos = lt;
      if (this.text.startsWith('</', lt)) return value;
      this.count();
      if (this.text.startsWith('<![CDATA[', lt)) {
        const end = this.text.indexOf(']', lt + 9);
        if (end === -1 || !this.text.startsWith(']]>', end)) throw malformed('a CDATA section is not closed or holds "]"');
        if (keep) value += this.text.slice(lt + 9, end);
        this.pos = end + 3;
      } else if (this.text.startsWith('<!--', lt)) {
        this.pos = this.afterMarkup('-->', lt + 4);
      } else if (this.text.startsWith('<!', lt)) {
        throw declaration();
      } else {
        throw malformed('the envelope is not flat');
      }
    }
  }

  private expectStartTag(name: string): void {
    this.count();
    this.expect('<');
    if (this.readName() !== name) throw malformed(`expected a <${name}> root element`);
    this.skipSpace();
    this.expect('>');
  }

  private expectEndTag(name: string): void {
    this.count();
    this.expect('</');
    if (this.readName() !== name) throw malformed('mismatched end tag');
    this.skipSpace();
    this.expect('>');
  }

  private readName(): string {
    const start = this.pos;
    const first = this.text.charCodeAt(start);
    if (!((isAsciiLetter(first) || first === 0x5f) /* _ */)) throw malformed('an element name is missing or not ASCII');
    let end = start + 1;
    while (end < this.text.length && end - start <= MAX_NAME_LENGTH && isNameChar(this.text.charCodeAt(end))) end++;
    if (end - start > MAX_NAME_LENGTH) throw malformed('an element name is too long');
    this.pos = end;
    return this.text.slice(start, end);
  }

  private skipSpace(): void {
    // A sticky regular expression, not a charCodeAt loop: a body padded with 8 KiB of spaces took 7 ns a character
    // that way, more than a whole genuine push costs.
    XML_SPACE_RUN.lastIndex = this.pos;
    XML_SPACE_RUN.test(this.text);
    this.pos = XML_SPACE_RUN.lastIndex;
  }

  private expect(token: string): void {
    if (!this.text.startsWith(token, this.pos))
      throw malformed(token === '>' ? 'a tag carries attributes or is not closed' : 'it is not the push envelope');
    this.pos += token.length;
  }

  private count(): void {
    if (++this.constructs > MAX_CONSTRUCTS) throw malformed('too many elements, comments or sections for a push envelope');
  }

  /** The position just after `terminator`, which must close the markup within MAX_MARKUP_LENGTH of `from`. */
  private afterMarkup(terminator: string, from: number): number {
    const at = this.text.slice(from, from + MAX_MARKUP_LENGTH + terminator.length).indexOf(terminator);
    if (at === -1) throw malformed('a comment or declaration is not closed or too long');
    return from + at + terminator.length;
  }
}

// `<!` that opens neither a comment nor CDATA: a DOCTYPE, ENTITY or other declaration, however it is spelt.
function declaration(): WechatMessageError {
  return new WechatMessageError('XML_FORBIDDEN_DECLARATION', 'XML body contains a DOCTYPE, ENTITY or other declaration');
}

function malformed(reason: string): WechatMessageError {
  return new WechatMessageError('XML_MALFORMED', `XML body is malformed: ${reason}`);
}

/** A run of XML whitespace (possibly empty) where lastIndex points; always matches. */
const XML_SPACE_RUN = /[ \t\n\r]*/y;

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isNameChar(code: number): boolean {
  return isAsciiLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code === 0x2d || code === 0x2e || code === 0x3a;
}

/**
 * WeChat's XML is small and mostly flat: `<xml><Name>value</Name>...</xml>`, strings usually in CDATA. Some pushes
 * nest a little (notify_third_fasteregister carries `<info><name>..</name>..</info>`): nested elements become dotted
 * keys (`info.name`), up to MAX_DEPTH levels, so the result stays a plain string map.
 *
 * Written by hand, as one strict left-to-right pass with no regular expression over the body and no tree: every XML
 * library on npm either accepts what is not well-formed (fast-xml-parser's parser needs its validator as a second
 * full pass; together they cost five times the AES of a push) or builds far more than a string map (xml2js, sax),
 * and a push is parsed twice per request (the envelope is read by envelope-scan.ts, the decrypted message here). The
 * subset it takes is what WeChat sends: elements, text, CDATA, comments, an optional `<?xml ...?>` declaration, and
 * attributes (well-formed, ignored). It refuses everything else: DOCTYPE and ENTITY declarations (so no entity can
 * expand: no XXE, no billion laughs), processing instructions, undeclared entities, `]]>` in text, mismatched or
 * unclosed tags, a second root. The five predefined entities and character references are decoded in text, never
 * inside CDATA, as any conforming XML reader would. fast-xml-parser stays in the tests as the oracle it is checked
 * against (test/shared/wechat/xml.property.test.ts).
 */
import { WechatMessageError } from './errors';

/** Default cap on a WeChat XML body, in UTF-8 bytes (pushes are well under 4 KiB). */
export const DEFAULT_MAX_XML_BYTES: number = 64 * 1024;

// Checked on the raw text before any parsing: a DOCTYPE is how XXE and billion-laughs payloads start, and
// WeChat never sends one. Whitespace after `<!` is tolerated so that a sloppy variant cannot slip past.
const FORBIDDEN_DECLARATION = /<!\s*(?:doctype|entity)/i;
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ENTITY_REFERENCE = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9._-]*);/y;

// Element names that would be dangerous keys in any object built from the map later; WeChat uses none of them.
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Levels of elements below <xml>; WeChat's pushes use two at most. */
const MAX_DEPTH = 3;

/**
 * Parses WeChat's small XML (<xml><A>..</A>...</xml>, CDATA allowed) into a string map. Refuses bodies over maxBytes
 * (BODY_TOO_LARGE), any DOCTYPE or ENTITY declaration (XML_FORBIDDEN_DECLARATION) and anything that is not a single
 * well-formed <xml> root with text or nested-element children (XML_MALFORMED). Values are trimmed strings; nested
 * elements are keyed by their dotted path. Error messages never quote the input.
 */
export function parseWechatXml(xml: string, options?: { maxBytes?: number }): Record<string, string> {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  // Cheap bound first: a UTF-8 byte is at least a third of a UTF-16 unit, so short strings need no exact count.
  if (xml.length * 3 > maxBytes && Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new WechatMessageError('BODY_TOO_LARGE', `XML body is larger than ${maxBytes} bytes`);
  }
  if (xml.includes('<!') && FORBIDDEN_DECLARATION.test(xml)) {
    throw new WechatMessageError('XML_FORBIDDEN_DECLARATION', 'XML body contains a DOCTYPE or ENTITY declaration');
  }
  return new XmlReader(xml).readDocument();
}

function malformed(reason: string): WechatMessageError {
  return new WechatMessageError('XML_MALFORMED', `XML body is malformed: ${reason}`);
}

/** What the content of one element turned out to hold. */
interface ElementContent {
  /** Decoded text and CDATA, joined in order (for a leaf element). */
  value: string;
  hasElements: boolean;
  /** Non-whitespace text or any CDATA: what a container element must not have. */
  hasData: boolean;
  hasCdata: boolean;
}

class XmlReader {
  private pos = 0;
  // Leaf values in document order; fromEntries later defines own properties, so no name reaches Object.prototype.
  private readonly entries: [string, string][] = [];

  constructor(private readonly text: string) {}

  readDocument(): Record<string, string> {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (this.text.startsWith('<?xml', this.pos) && isXmlSpaceOrEnd(this.text.charCodeAt(this.pos + 5), 0x3f /* ? */)) {
      this.pos = this.after('?>', this.pos + 5, 'the XML declaration is not closed');
    }
    this.skipMisc();
    if (this.text.charCodeAt(this.pos) !== 0x3c /* < */ || this.readStartTagName() !== 'xml') {
      throw malformed('expected a single <xml> root element');
    }
    if (!this.finishStartTag()) {
      const root = this.readContent('xml', '', 0);
      if (root.hasData) throw malformed(root.hasCdata && !root.hasElements ? 'CDATA beside child elements' : 'text beside child elements');
    }
    this.skipMisc();
    if (this.pos !== this.text.length) throw malformed('expected a single <xml> root element');
    return Object.fromEntries(this.entries);
  }

  /** Whitespace and comments before or after the root. */
  private skipMisc(): void {
    for (;;) {
      while (isXmlSpace(this.text.charCodeAt(this.pos))) this.pos++;
      if (!this.text.startsWith('<!--', this.pos)) return;
      this.pos = this.afterComment(this.pos);
    }
  }

  /**
   * The content of the element `name` (its start tag read), up to and including its end tag. Leaf values and nested
   * elements are recorded under `prefix`; `depth` is this element's level below <xml> (the root is 0).
   */
  private readContent(name: string, prefix: string, depth: number): ElementContent {
    const content: ElementContent = { value: '', hasElements: false, hasData: false, hasCdata: false };
    const seen = new Set<string>();
    for (;;) {
      const lt = this.text.indexOf('<', this.pos);
      if (lt === -1) throw malformed('an element is not closed');
      if (lt > this.pos) this.readText(lt, content);
      this.pos = lt;
      const next = this.text.charCodeAt(lt + 1);
      if (next === 0x2f /* / */) {
        this.readEndTag(name);
        return content;
      }
      if (next === 0x21 /* ! */) {
        if (this.text.startsWith('<![CDATA[', lt)) {
          const end = this.text.indexOf(']]>', lt + 9);
          if (end === -1) throw malformed('a CDATA section is not closed');
          content.value += this.text.slice(lt + 9, end);
          content.hasData = true;
          content.hasCdata = true;
          this.pos = end + 3;
        } else if (this.text.startsWith('<!--', lt)) {
          this.pos = this.afterComment(lt);
        } else {
          throw malformed('it holds a declaration');
        }
        continue;
      }
      if (next === 0x3f /* ? */) throw malformed('it holds a processing instruction');
      this.readChild(prefix, depth, seen);
      content.hasElements = true;
    }
  }

  /** Text from the current position up to `end` (a `<`): decoded and appended. */
  private readText(end: number, content: ElementContent): void {
    const raw = this.text.slice(this.pos, end);
    if (raw.includes(']]>')) throw malformed('"]]>" in text');
    const decoded = raw.includes('&') ? decodeEntities(raw) : raw;
    content.value += decoded;
    if (!content.hasData && decoded.trim() !== '') content.hasData = true;
  }

  private readChild(prefix: string, depth: number, seen: Set<string>): void {
    const name = this.readStartTagName();
    if (RESERVED_NAMES.has(name)) throw malformed('an element name is reserved');
    // A repeated field would leave "which AppId counts?" to whoever reads the map: refuse instead.
    if (seen.has(name)) throw malformed(`element <${name}> appears more than once`);
    seen.add(name);
    const key = `${prefix}${name}`;
    if (this.finishStartTag()) {
      this.entries.push([key, '']);
      return;
    }
    const element = this.readContent(name, `${key}.`, depth + 1);
    if (!element.hasElements) {
      this.entries.push([key, element.value.trim()]);
      return;
    }
    if (depth + 1 >= MAX_DEPTH) throw malformed(`elements are nested deeper than ${MAX_DEPTH} levels`);
    if (element.hasData) throw malformed(element.hasCdata ? 'CDATA beside child elements' : 'text beside child elements');
  }

  /** `<Name` at the current position; leaves the position just after the name. */
  private readStartTagName(): string {
    this.pos++; // <
    return this.readName();
  }

  /** Attributes (checked, ignored) and the end of a start tag; true for an empty-element tag (`/>`). */
  private finishStartTag(): boolean {
    const attributes = new Set<string>();
    for (;;) {
      const spaced = this.skipSpace();
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x3e /* > */) {
        this.pos++;
        return false;
      }
      if (code === 0x2f /* / */ && this.text.charCodeAt(this.pos + 1) === 0x3e) {
        this.pos += 2;
        return true;
      }
      if (!spaced) throw malformed('a tag is not closed');
      const attribute = this.readName();
      if (attributes.has(attribute)) throw malformed('an attribute appears more than once');
      attributes.add(attribute);
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3d /* = */) throw malformed('an attribute has no value');
      this.pos++;
      this.skipSpace();
      const quote = this.text.charCodeAt(this.pos);
      if (quote !== 0x22 /* " */ && quote !== 0x27 /* ' */) throw malformed('an attribute value is not quoted');
      const end = this.text.indexOf(quote === 0x22 ? '"' : "'", this.pos + 1);
      if (end === -1) throw malformed('an attribute value is not closed');
      const value = this.text.slice(this.pos + 1, end);
      if (value.includes('<')) throw malformed('"<" in an attribute value');
      if (value.includes('&')) decodeEntities(value);
      this.pos = end + 1;
    }
  }

  private readEndTag(name: string): void {
    this.pos += 2; // </
    if (this.readName() !== name) throw malformed('mismatched end tag');
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== 0x3e /* > */) throw malformed('an end tag is not closed');
    this.pos++;
  }

  private readName(): string {
    const start = this.pos;
    if (!isNameStart(this.text.charCodeAt(start))) throw malformed('an element or attribute name is missing or invalid');
    let end = start + 1;
    while (isNameChar(this.text.charCodeAt(end))) end++;
    this.pos = end;
    return this.text.slice(start, end);
  }

  /** Skips whitespace; true when there was some. */
  private skipSpace(): boolean {
    const start = this.pos;
    while (isXmlSpace(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  private afterComment(start: number): number {
    const end = this.text.indexOf('--', start + 4);
    if (end === -1) throw malformed('a comment is not closed');
    // "--" may only end a comment.
    if (this.text.charCodeAt(end + 2) !== 0x3e /* > */) throw malformed('"--" inside a comment');
    return end + 3;
  }

  private after(terminator: string, from: number, reason: string): number {
    const at = this.text.indexOf(terminator, from);
    if (at === -1 || this.text.slice(from, at).includes('<')) throw malformed(reason);
    return at + terminator.length;
  }
}

function decodeEntities(text: string): string {
  let out = '';
  let from = 0;
  for (let amp = text.indexOf('&'); amp !== -1; amp = text.indexOf('&', from)) {
    ENTITY_REFERENCE.lastIndex = amp;
    const match = ENTITY_REFERENCE.exec(text);
    if (!match) throw malformed('"&" does not start an entity or character reference');
    out += text.slice(from, amp) + resolveReference(match[1] as string);
    from = amp + match[0].length;
  }
  return out + text.slice(from);
}

function resolveReference(ref: string): string {
  if (ref.startsWith('#')) {
    const codePoint = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    if (!isXmlChar(codePoint)) throw malformed('a character reference is not a valid XML character');
    return String.fromCodePoint(codePoint);
  }
  const replacement = PREDEFINED_ENTITIES[ref];
  if (replacement === undefined) throw malformed('it references an undeclared entity');
  return replacement;
}

function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

function isXmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isXmlSpaceOrEnd(code: number, end: number): boolean {
  return isXmlSpace(code) || code === end;
}

// XML names (XML 1.0 §2.3), with every non-ASCII character allowed as WeChat never sends one anyway.
function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x3a || code >= 0x80;
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e;
}

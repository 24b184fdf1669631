/**
 * WeChat's XML is small and mostly flat: `<xml><Name>value</Name>...</xml>`, strings usually in CDATA. Some pushes
 * nest a little (notify_third_fasteregister carries `<info><name>..</name>..</info>`): nested elements become dotted
 * keys (`info.name`), up to MAX_DEPTH levels, so the result stays a plain string map.
 *
 * Entities: the parser runs with `processEntities: false`, so no DTD machinery exists and no entity can expand.
 * In plain text (never inside CDATA) we then decode the five predefined XML entities and numeric character
 * references ourselves, as any conforming XML reader would (`a &lt; b` reads as `a < b`); any other named
 * entity is undeclared without a DTD, a well-formedness error, so it is refused as XML_MALFORMED.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WechatMessageError } from '../../shared/wechat/errors';

/** Default cap on a WeChat XML body, in UTF-8 bytes (pushes are well under 4 KiB). */
export const DEFAULT_MAX_XML_BYTES: number = 64 * 1024;

// Checked on the raw text before any parsing: a DOCTYPE is how XXE and billion-laughs payloads start, and
// WeChat never sends one. Whitespace after `<!` is tolerated so that a sloppy variant cannot slip past.
const FORBIDDEN_DECLARATION = /<!\s*(?:doctype|entity)/i;
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ENTITY_REFERENCE = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9._-]*);/g;

const parser = new XMLParser({
  preserveOrder: true, // keeps duplicates, mixed content and text-vs-CDATA apart so each can be judged
  ignoreAttributes: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false, // tickets, appids and CreateTime stay strings exactly as sent
  trimValues: false, // trimmed once per element below, after text and CDATA are joined
  cdataPropName: '#cdata',
});

type OrderedNode = Record<string, unknown>;

/** Levels of elements below <xml>; WeChat's pushes use two at most. */
const MAX_DEPTH = 3;

/**
 * Parses WeChat's small flat XML (<xml><A>..</A>...</xml>, CDATA allowed) into a string map with fast-xml-parser.
 * Refuses bodies over maxBytes (BODY_TOO_LARGE), any DOCTYPE or ENTITY declaration (XML_FORBIDDEN_DECLARATION) and
 * anything that is not a single <xml> root with text or nested-element children (XML_MALFORMED). Values are trimmed
 * strings; nested elements are keyed by their dotted path.
 */
export function parseWechatXmlWithFastXmlParser(xml: string, options?: { maxBytes?: number }): Record<string, string> {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  if (Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new WechatMessageError('BODY_TOO_LARGE', `XML body is larger than ${maxBytes} bytes`);
  }
  if (FORBIDDEN_DECLARATION.test(xml)) {
    throw new WechatMessageError('XML_FORBIDDEN_DECLARATION', 'XML body contains a DOCTYPE or ENTITY declaration');
  }
  // The parser is lenient by design (it accepts unclosed tags and stray text), so well-formedness is checked first.
  if (XMLValidator.validate(xml) !== true) throw malformed('it is not well-formed');

  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch {
    // No cause: the parser's messages can quote the input.
    throw malformed('it could not be parsed');
  }
  return readFlatRoot(document);
}

function malformed(reason: string): WechatMessageError {
  return new WechatMessageError('XML_MALFORMED', `XML body is malformed: ${reason}`);
}

function readFlatRoot(document: unknown): Record<string, string> {
  if (!Array.isArray(document)) throw malformed('it could not be parsed');
  // An optional `<?xml ...?>` declaration may precede the root; comments are dropped by the parser.
  const nodes = document.filter((node) => !isNamed(node, '?xml'));
  const root = nodes[0];
  if (nodes.length !== 1 || !isNamed(root, 'xml')) throw malformed('expected a single <xml> root element');

  const entries: [string, string][] = [];
  readElements(childrenOf(root, 'xml'), '', 1, entries);
  // fromEntries defines own properties, so even an odd element name cannot reach Object.prototype.
  return Object.fromEntries(entries);
}

function readElements(children: OrderedNode[], prefix: string, depth: number, entries: [string, string][]): void {
  const seen = new Set<string>();
  for (const child of children) {
    const name = nameOf(child);
    if (name === '#text') {
      // Indentation between elements is fine; text beside elements is not.
      if (typeof child['#text'] !== 'string' || child['#text'].trim() !== '') throw malformed('text beside child elements');
      continue;
    }
    if (name === '#cdata') throw malformed('CDATA beside child elements');
    // A repeated field would leave "which AppId counts?" to whoever reads the map: refuse instead.
    if (seen.has(name)) throw malformed(`element <${name}> appears more than once`);
    seen.add(name);
    const key = `${prefix}${name}`;
    const parts = childrenOf(child, name);
    if (parts.some((part) => !['#text', '#cdata'].includes(nameOf(part)))) {
      if (depth >= MAX_DEPTH) throw malformed(`elements are nested deeper than ${MAX_DEPTH} levels`);
      readElements(parts, `${key}.`, depth + 1, entries);
    } else {
      entries.push([key, readTextElement(parts)]);
    }
  }
}

function readTextElement(parts: OrderedNode[]): string {
  let value = '';
  for (const part of parts) {
    if (nameOf(part) === '#text' && typeof part['#text'] === 'string') {
      value += decodeEntities(part['#text']);
    } else {
      value += childrenOf(part, '#cdata')
        .map((inner) => (typeof inner['#text'] === 'string' ? inner['#text'] : ''))
        .join('');
    }
  }
  return value.trim();
}

function decodeEntities(text: string): string {
  return text.replace(ENTITY_REFERENCE, (_match, ref: string) => {
    if (ref.startsWith('#')) {
      const codePoint = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!isXmlChar(codePoint)) throw malformed('a character reference is not a valid XML character');
      return String.fromCodePoint(codePoint);
    }
    const replacement = PREDEFINED_ENTITIES[ref];
    if (replacement === undefined) throw malformed('it references an undeclared entity');
    return replacement;
  });
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

function isNamed(node: unknown, name: string): node is OrderedNode {
  return typeof node === 'object' && node !== null && nameOf(node as OrderedNode) === name;
}

// In preserveOrder output each node is an object whose one key (besides `:@` attributes) is its name.
function nameOf(node: OrderedNode): string {
  const names = Object.keys(node).filter((key) => key !== ':@');
  if (names.length !== 1 || names[0] === undefined) throw malformed('it could not be parsed');
  return names[0];
}

function childrenOf(node: OrderedNode, name: string): OrderedNode[] {
  const children = node[name];
  if (!Array.isArray(children)) throw malformed('it could not be parsed');
  return children as OrderedNode[];
}

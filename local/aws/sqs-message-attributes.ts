import { createHash } from 'node:crypto';
import type { SQSMessageAttributes } from 'aws-lambda';
import { invalidParameterValue } from './sqs-errors';

/** One message attribute as stored. */
export interface SqsMessageAttribute {
  /** `String`, `Number` or `Binary`, optionally with a custom suffix (`String.appid`). */
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: Buffer;
}

export type SqsMessageAttributes = Readonly<Record<string, SqsMessageAttribute>>;

/** SQS allows at most 10 message attributes per message. */
const MAX_ATTRIBUTES = 10;
// Names: 1..256 of letters, digits, _ - . ; no leading/trailing or doubled dot; AWS. and Amazon. are reserved.
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]{1,250})?$/;
const NUMBER_VALUE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Hex MD5 of a message body, the `MD5OfMessageBody` the SDK checks on every send and receive. */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

/**
 * `MD5OfMessageAttributes` as SQS computes it: attributes sorted by name, each encoded as length-prefixed name,
 * length-prefixed data type, a transport byte (1 string, 2 binary) and the length-prefixed value, lengths as
 * 4-byte big-endian integers. Undefined when there are no attributes, as SQS then omits the field.
 */
export function md5OfMessageAttributes(attributes: SqsMessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) {
    return undefined;
  }
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const attribute = attributes[name] as SqsMessageAttribute;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.dataType, 'utf8'));
    if (attribute.binaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(attribute.binaryValue);
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(attribute.stringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

/** Bytes the attributes add to a message's size: names, data types and values, as SQS counts them. */
export function messageAttributesSize(attributes: SqsMessageAttributes): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.dataType);
    size += attribute.binaryValue?.length ?? Buffer.byteLength(attribute.stringValue ?? '');
  }
  return size;
}

/** Parses the `MessageAttributes` member of a send request (binary values arrive base64-encoded). */
export function parseMessageAttributes(value: unknown): SqsMessageAttributes {
  if (value === undefined || value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameterValue('MessageAttributes', 'Must be a map of message attribute values.');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES) {
    throw invalidParameterValue(
      'MessageAttributes',
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  const attributes: Record<string, SqsMessageAttribute> = {};
  for (const [name, raw] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || /^(aws|amazon)\./i.test(name)) {
      throw invalidParameterValue('MessageAttributes', `Message attribute name '${name}' is invalid or reserved.`);
    }
    attributes[name] = parseAttributeValue(name, raw);
  }
  return attributes;
}

function parseAttributeValue(name: string, raw: unknown): SqsMessageAttribute {
  const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const { DataType: dataType, StringValue: stringValue, BinaryValue: binaryValue } = fields;
  if (typeof dataType !== 'string' || !DATA_TYPE.test(dataType)) {
    throw invalidParameterValue('MessageAttributes', `The message attribute '${name}' has an invalid message attribute type.`);
  }
  if (dataType.startsWith('Binary')) {
    if (typeof binaryValue !== 'string' || binaryValue.length === 0 || !BASE64.test(binaryValue)) {
      throw invalidParameterValue('MessageAttributes', `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
    }
    return { dataType, binaryValue: Buffer.from(binaryValue, 'base64') };
  }
  if (typeof stringValue !== 'string' || stringValue.length === 0) {
    throw invalidParameterValue('MessageAttributes', `The message attribute '${name}' must contain a non-empty message attribute value.`);
  }
  if (dataType.startsWith('Number') && !NUMBER_VALUE.test(stringValue)) {
    throw invalidParameterValue('MessageAttributes', `The message attribute '${name}' has an invalid Number value.`);
  }
  return { dataType, stringValue };
}

/** The attributes whose names match one of `patterns` (`All`, `.*`, `prefix.*` or a name), as ReceiveMessage picks. */
export function pickMessageAttributes(attributes: SqsMessageAttributes, patterns: readonly string[]): SqsMessageAttributes {
  const wanted = (name: string) =>
    patterns.some(
      (pattern) =>
        pattern === 'All' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
}

/** One attribute as ReceiveMessage writes it in JSON: a string value, or a base64-encoded binary one. */
type RenderedAttribute = { DataType: string; StringValue?: string | undefined } | { DataType: string; BinaryValue: string };

/** The attributes as ReceiveMessage writes them in JSON (binary values base64-encoded). */
export function renderMessageAttributes(attributes: SqsMessageAttributes): Record<string, RenderedAttribute> {
  const rendered: Record<string, RenderedAttribute> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    rendered[name] =
      attribute.binaryValue === undefined
        ? { DataType: attribute.dataType, StringValue: attribute.stringValue }
        : { DataType: attribute.dataType, BinaryValue: attribute.binaryValue.toString('base64') };
  }
  return rendered;
}

/** The attributes as a Lambda SQS event record carries them (camelCase, binary as base64, empty list fields). */
export function toLambdaMessageAttributes(attributes: SqsMessageAttributes): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    converted[name] = {
      dataType: attribute.dataType,
      stringListValues: [],
      binaryListValues: [],
      ...(attribute.binaryValue === undefined
        ? { stringValue: attribute.stringValue }
        : { binaryValue: attribute.binaryValue.toString('base64') }),
    };
  }
  return converted;
}

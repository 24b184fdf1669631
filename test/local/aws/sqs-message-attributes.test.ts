import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  md5OfBody,
  md5OfMessageAttributes,
  parseMessageAttributes,
  pickMessageAttributes,
} from '../../../local/aws/sqs-message-attributes';

describe('md5OfMessageAttributes', () => {
  // Published vectors: the AWS documentation example and one from an independent SQS implementation's tests.
  it('matches the documented checksum of a single String attribute', () => {
    const md5 = md5OfMessageAttributes({ SellerName: { dataType: 'String', stringValue: 'Example Store' } });

    expect(md5).toBe('cd28f3b68aeee4b2eac9c66f2f694b58');
  });

  it('sorts attributes by name before hashing, whatever order they were given in', () => {
    const md5 = md5OfMessageAttributes({
      ordinal: { dataType: 'Number', stringValue: '1' },
      category: { dataType: 'String', stringValue: 'test' },
    });

    expect(md5).toBe('d21ae90c49061e927f57df5f5d72be1f');
  });

  it('hashes a binary value differently from the same bytes as a string', () => {
    const asString = md5OfMessageAttributes({ a: { dataType: 'String', stringValue: 'xyz' } });
    const asBinary = md5OfMessageAttributes({ a: { dataType: 'Binary', binaryValue: Buffer.from('xyz') } });

    expect(asBinary).not.toBe(asString);
  });

  it('is undefined without attributes, as SQS then omits the field', () => {
    expect(md5OfMessageAttributes({})).toBeUndefined();
  });
});

describe('md5OfBody', () => {
  it('hashes the UTF-8 bytes of the body', () => {
    const utf8Bytes = Buffer.from([0xe6, 0x8e, 0x88, 0xe6, 0x9d, 0x83]);

    expect(md5OfBody('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5OfBody('授权')).toBe(createHash('md5').update(utf8Bytes).digest('hex'));
  });
});

describe('parseMessageAttributes', () => {
  it.each([
    ['a reserved AWS. prefix', { 'AWS.x': { DataType: 'String', StringValue: 'v' } }],
    ['a name with a double dot', { 'a..b': { DataType: 'String', StringValue: 'v' } }],
    ['an unknown data type', { a: { DataType: 'Text', StringValue: 'v' } }],
    ['an empty string value', { a: { DataType: 'String', StringValue: '' } }],
    ['a Number that is not a number', { a: { DataType: 'Number', StringValue: 'twelve' } }],
    ['a Binary without a base64 value', { a: { DataType: 'Binary', StringValue: 'v' } }],
    ['eleven attributes', Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]))],
  ])('throws InvalidParameterValue for %s', (_label, attributes) => {
    const act = () => parseMessageAttributes(attributes);

    expect(act).toThrow(expect.objectContaining({ name: 'InvalidParameterValue' }));
  });

  it('accepts a custom data type suffix and decodes binary values', () => {
    const parsed = parseMessageAttributes({
      appid: { DataType: 'String.appid', StringValue: 'wx0000000000000001' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]).toString('base64') },
    });

    expect(parsed.appid).toEqual({ dataType: 'String.appid', stringValue: 'wx0000000000000001' });
    expect(parsed.blob?.binaryValue).toEqual(Buffer.from([0, 1, 2]));
  });
});

describe('pickMessageAttributes', () => {
  const attributes = {
    'trace.id': { dataType: 'String', stringValue: '1' },
    'trace.span': { dataType: 'String', stringValue: '2' },
    kind: { dataType: 'String', stringValue: 'refresh' },
  };

  it.each([
    [['All'], ['trace.id', 'trace.span', 'kind']],
    [['.*'], ['trace.id', 'trace.span', 'kind']],
    [['trace.*'], ['trace.id', 'trace.span']],
    [['kind'], ['kind']],
    [[], []],
  ])('picks %j', (patterns, expected) => {
    expect(Object.keys(pickMessageAttributes(attributes, patterns))).toEqual(expected);
  });
});

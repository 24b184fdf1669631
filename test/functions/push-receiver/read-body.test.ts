import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { readRequestBody } from '../../../functions/push-receiver/read-body';
import { WechatMessageError } from '../../../shared/wechat/errors';
import { catchError } from '../../support/catch-error';

const MAX_BYTES = 30;

const eventWith = (body: string, isBase64Encoded: boolean) => ({ body, isBase64Encoded }) as APIGatewayProxyEventV2;
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('readRequestBody', () => {
  it.each([
    ['a text body', eventWith('<xml/>', false)],
    ['a base64-encoded body', eventWith(base64('<xml/>'), true)],
  ])('returns %s as text', (_label, event) => {
    expect(readRequestBody(event, MAX_BYTES)).toBe('<xml/>');
  });

  it.each([
    ['a text body exactly at the cap', eventWith('x'.repeat(MAX_BYTES), false)],
    ['a base64 body decoding to exactly the cap', eventWith(base64('x'.repeat(MAX_BYTES)), true)],
    ['a text body of multi-byte characters exactly at the cap', eventWith('字'.repeat(MAX_BYTES / 3), false)],
  ])('accepts %s', (_label, event) => {
    expect(Buffer.byteLength(readRequestBody(event, MAX_BYTES))).toBe(MAX_BYTES);
  });

  it.each([
    ['a text body one byte over the cap', eventWith('x'.repeat(MAX_BYTES + 1), false)],
    ['a text body over the cap in UTF-8 bytes, not in characters', eventWith('字'.repeat(MAX_BYTES / 3 + 1), false)],
    ['a base64 body decoding to one byte over the cap', eventWith(base64('x'.repeat(MAX_BYTES + 1)), true)],
    // Not even valid base64: refused on its length alone, before any decoding.
    ['a base64 body too long to decode to an acceptable size', eventWith('!'.repeat(100_000), true)],
  ])('refuses %s as BODY_TOO_LARGE', (_label, event) => {
    const err = catchError(() => readRequestBody(event, MAX_BYTES));

    expect(err).toBeInstanceOf(WechatMessageError);
    expect(err).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('refuses a base64 body that does not decode to UTF-8 as XML_MALFORMED', () => {
    const event = eventWith(Buffer.from([0x3c, 0x78, 0xff, 0xfe, 0x3e]).toString('base64'), true);

    const err = catchError(() => readRequestBody(event, MAX_BYTES));

    expect(err).toMatchObject({ code: 'XML_MALFORMED' });
  });
});

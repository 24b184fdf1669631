import { isUtf8 } from 'node:buffer';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { WechatMessageError } from '../../shared/wechat/errors';

/** The request body as text; refuses (413) a body over `maxBytes` before anything else looks at it, decoding included. */
export function readRequestBody(event: APIGatewayProxyEventV2, maxBytes: number): string {
  const raw = event.body ?? '';
  if (!event.isBase64Encoded) {
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw tooLarge(maxBytes);
    return raw;
  }
  // base64 grows by 4/3: a longer string cannot decode to an acceptable body, so it is not decoded at all.
  if (raw.length > Math.ceil(maxBytes / 3) * 4) throw tooLarge(maxBytes);
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length > maxBytes) throw tooLarge(maxBytes);
  // A push is UTF-8 XML. Decoding junk bytes into replacement characters costs several times a genuine push.
  if (!isUtf8(bytes)) throw new WechatMessageError('XML_MALFORMED', 'request body is not UTF-8 text');
  return bytes.toString('utf8');
}

function tooLarge(maxBytes: number): WechatMessageError {
  return new WechatMessageError('BODY_TOO_LARGE', `request body exceeds ${maxBytes} bytes`);
}

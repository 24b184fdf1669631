import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { WechatMessageError } from '../../shared/wechat/errors';

/** The request body as text; refuses oversize bodies before decoding them. */
export function readRequestBody(event: APIGatewayProxyEventV2, maxBytes: number): string {
  const raw = event.body ?? '';
  if (!event.isBase64Encoded) return raw;
  // base64 grows by 4/3: a longer string cannot decode to an acceptable body.
  if (raw.length > Math.ceil(maxBytes / 3) * 4) throw new WechatMessageError('BODY_TOO_LARGE', `request body exceeds ${maxBytes} bytes`);
  return Buffer.from(raw, 'base64').toString('utf8');
}

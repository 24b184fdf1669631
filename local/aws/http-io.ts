import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsServiceError } from './aws-service-error';

/** Largest request body accepted: Lambda's synchronous payload limit, far above any KMS or Secrets Manager call. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/** Reads a whole request body, refusing bodies larger than `maxBytes` with a 413 AWS error. */
export async function readBody(req: IncomingMessage, maxBytes = MAX_REQUEST_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      throw new AwsServiceError('RequestEntityTooLargeException', `Request body is larger than ${maxBytes} bytes`, 413);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Writes a complete response; `body` may be omitted for 202/204 answers. */
export function sendResponse(res: ServerResponse, status: number, headers: Record<string, string>, body?: string | Buffer): void {
  const payload = body ?? '';
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(payload)) });
  res.end(payload);
}

/**
 * Reading requests and writing answers with node:http, plus the JSON body rule WeChat applies (errcode 47001).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** WeChat API bodies are tiny; a larger one is answered as malformed rather than buffered. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** A request as routes see it. */
export interface SimRequest {
  method: string;
  url: URL;
  /** The body as UTF-8, or null when it exceeded MAX_REQUEST_BODY_BYTES. */
  body: string | null;
  /** Request headers, names in lower case (as node:http gives them). */
  headers: IncomingHttpHeaders;
}

/** An answer: JSON when `json` is set, else `html` as text/html, otherwise `text` as text/plain. */
export interface SimResponse {
  status: number;
  json?: unknown;
  /** A browser page, for the H5 authorization endpoints that a user's WeChat client opens (section 5). */
  html?: string;
  text?: string;
  /** Extra headers such as `Location` on a redirect; Content-Type and Content-Length are always set here. */
  headers?: Record<string, string>;
}

/** Reads the whole body; past `maxBytes` it keeps draining the socket but returns null. */
export function readBody(req: IncomingMessage, maxBytes = MAX_REQUEST_BODY_BYTES): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > maxBytes ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Parses a body that must be a JSON object; null for anything else (answered with 47001 by callers). */
export function parseJsonObject(body: string | null): Record<string, unknown> | null {
  if (body === null) return null;
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A string field of a parsed body, or undefined when absent, empty or not a string. */
export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Writes `response` and ends it. */
export function writeResponse(res: ServerResponse, response: SimResponse): void {
  const [contentType, payload] =
    response.json !== undefined
      ? ['application/json; charset=utf-8', JSON.stringify(response.json)]
      : response.html !== undefined
        ? ['text/html; charset=utf-8', response.html]
        : ['text/plain; charset=utf-8', response.text ?? ''];
  res.writeHead(response.status, { ...response.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** HTTP 200 JSON, the shape of every WeChat API answer, successful or not. */
export function okJson(json: unknown): SimResponse {
  return { status: 200, json };
}

/**
 * A small client for WeChat's JSON APIs (docs/wechat-protocol.md §6): HTTP 200 with `errcode` != 0 is an error,
 * and only failures that can succeed on a second try are retried, with full-jitter backoff.
 * Re-exported from component-api.ts, which is where callers import it from.
 */
import { isRetryableErrcode, WechatApiError, type WechatApiErrorCode } from './errors';

/** Where and how to call WeChat; every side effect (fetch, sleep, random) can be injected. */
export interface WechatHttpOptions {
  /** e.g. https://api.weixin.qq.com, or the local simulator's URL; a trailing slash is fine. */
  baseUrl: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Per attempt, including reading the body. @default 5000 */
  timeoutMs?: number;
  /** @default 3 */
  maxAttempts?: number;
  /** Backoff is full jitter: random() * min(maxDelayMs, baseDelayMs * 2 ** attempt). @default 200 */
  baseDelayMs?: number;
  /** @default 2000 */
  maxDelayMs?: number;
  /** @default a setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
}

/** One API call. */
export interface WechatCall {
  /** Short name for errors and metrics, e.g. 'api_component_token'. */
  api: string;
  method: 'GET' | 'POST';
  /** e.g. '/cgi-bin/component/api_component_token' */
  path: string;
  /** Serialised in the given key order (OAuth URLs care). */
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Values to redact from anything that becomes an error field (appsecret, tickets, tokens, codes). */
  secrets?: string[];
  /**
   * The call consumes something single-use (an OAuth code): an attempt that may have reached WeChat is never repeated,
   * because the repeat would fail with "code been used" (40163) and hide the real failure. Only errcode -1 and
   * connections refused before anything was sent are retried.
   */
  singleUse?: boolean;
}

// Failures that prove the request never left this machine or never reached a server.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

const MAX_ERRMSG_CHARS = 200;
const SAFE_ERROR_CODE = /^[A-Z][A-Z0-9_]{1,40}$/;

/** Calls a WeChat JSON API; retries only errcode -1, network errors, timeouts and HTTP 5xx. */
export function createWechatHttp(options: WechatHttpOptions): <T>(call: WechatCall) => Promise<T> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  return async <T>(call: WechatCall): Promise<T> => {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const search = new URLSearchParams(Object.entries(call.query ?? {})).toString();
    const url = `${baseUrl}${call.path}${search === '' ? '' : `?${search}`}`;
    const init: RequestInit = { method: call.method };
    if (call.body !== undefined) {
      init.body = JSON.stringify(call.body);
      init.headers = { 'content-type': 'application/json' };
    }

    for (let attempt = 0; ; attempt++) {
      try {
        return (await attemptOnce(fetchImpl, url, init, call, timeoutMs)) as T;
      } catch (err) {
        if (!(err instanceof WechatApiError) || !err.retryable || attempt + 1 >= maxAttempts) throw err;
      }
      await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
    }
  };
}

async function attemptOnce(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  call: WechatCall,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Raced as well as aborted: an injected fetch that ignores the signal must not hang the caller forever.
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      // Rejected before aborting so the race settles as TIMEOUT, not as the NETWORK error the abort causes.
      reject(failure(call, 'TIMEOUT', !call.singleUse, `timed out after ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
  });
  try {
    return await Promise.race([exchange(fetchImpl, url, { ...init, signal: controller.signal }, call), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function exchange(fetchImpl: typeof fetch, url: string, init: RequestInit, call: WechatCall) {
  let status: number;
  let text: string;
  try {
    const response = await fetchImpl(url, init);
    status = response.status;
    text = await response.text();
  } catch (err) {
    // The raw error is not kept as `cause`: fetch errors can quote the URL, and its query may hold a token.
    const code = safeErrorCode(err);
    throw failure(call, 'NETWORK', !call.singleUse || NOT_SENT_CODES.has(code), `network error${code ? ` (${code})` : ''}`);
  }

  if (status < 200 || status > 299) {
    throw failure(call, 'HTTP_STATUS', status >= 500 && !call.singleUse, `HTTP ${status}`, { httpStatus: status });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw failure(call, 'BAD_RESPONSE', false, 'response is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw failure(call, 'BAD_RESPONSE', false, 'response is not a JSON object');
  }

  const record = body as Record<string, unknown>;
  const { errcode, errmsg } = record;
  if (errcode === undefined || errcode === 0) return record;
  if (typeof errcode !== 'number' || !Number.isInteger(errcode)) {
    throw failure(call, 'BAD_RESPONSE', false, 'errcode is not an integer');
  }
  throw failure(call, 'ERRCODE', isRetryableErrcode(errcode), `errcode ${errcode}`, {
    errcode,
    ...(typeof errmsg === 'string' ? { errmsg: redactErrmsg(errmsg, call.secrets ?? []) } : {}),
  });
}

function failure(
  call: WechatCall,
  code: WechatApiErrorCode,
  retryable: boolean,
  detail: string,
  extra?: { errcode?: number; errmsg?: string; httpStatus?: number },
): WechatApiError {
  // Built only from the api name and our own words: never the URL, the query or the request body.
  return new WechatApiError({ code, api: call.api, retryable, message: `WeChat ${call.api} failed: ${detail}`, ...extra });
}

/** Replaces the call's secret values in WeChat's errmsg and caps its length, so it can be logged and alerted on. */
export function redactErrmsg(errmsg: string, secrets: readonly string[]): string {
  // Longest first, so a secret that contains another is redacted whole.
  const ordered = secrets.filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length);
  let redacted = errmsg;
  for (const secret of ordered) redacted = redacted.split(secret).join('[redacted]');
  // Capped after redacting: cutting first could leave a secret's prefix that no longer matches it.
  return redacted.length > MAX_ERRMSG_CHARS ? `${redacted.slice(0, MAX_ERRMSG_CHARS)}...` : redacted;
}

// Node's fetch reports e.g. ECONNREFUSED on `cause.code`; such a constant is safe to show and useful to alert on.
function safeErrorCode(err: unknown): string {
  const candidates = [(err as { code?: unknown })?.code, (err as { cause?: { code?: unknown } })?.cause?.code];
  const code = candidates.find((value): value is string => typeof value === 'string' && SAFE_ERROR_CODE.test(value));
  return code ?? '';
}

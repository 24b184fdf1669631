/**
 * The frame of every browser page the simulator serves (H5 authorization, component authorization): one style,
 * the security headers, and HTML escaping. Every interpolated value must go through `escapeHtml`.
 */

/** Pages hold consent links and ids built from the caller's query: keep them out of caches, referrers and frames. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

const STYLE =
  'body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}' +
  'ul{list-style:none;padding:0}li a,li button{display:flex;align-items:center;gap:.75rem;width:100%;padding:.6rem;border:1px solid #ddd;border-radius:8px;margin:.5rem 0;color:inherit;background:none;font:inherit;text-align:left;text-decoration:none;cursor:pointer}' +
  'img{width:48px;height:48px;border-radius:6px}small{color:#888;display:block}.refuse{display:block;text-align:center;margin-top:1.5rem;color:#576b95;background:none;border:0;font:inherit;cursor:pointer;width:100%}' +
  '.error h1{color:#e64340}.sim{color:#888;font-size:.85rem}';

/** A complete zh-CN page with the shared style around `body` (already escaped HTML). */
export function htmlPage(title: string, body: string): string {
  return (
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style></head><body>${body}</body></html>`
  );
}

/** Escapes text for an HTML element body or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

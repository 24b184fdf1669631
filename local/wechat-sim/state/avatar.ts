/**
 * Self-contained avatars (data: URLs), so pages and clients need no image host.
 */

/** A 132 px square (WeChat's avatar size) in `color` showing the first character of `label`. */
export function avatarDataUrl(label: string, color: string): string {
  const initial = Array.from(label)[0] ?? '?';
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132">` +
    `<rect width="132" height="132" fill="${color}"/>` +
    `<text x="66" y="88" font-size="64" text-anchor="middle" fill="#fff">${initial}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

import { sameDigest, sha256Hex } from '../crypto/digests';
import type { H5OAuthState } from '../store/h5-oauth-state-store';

/**
 * The browser binding of one h5-oauth round trip: /h5-oauth/start sets a cookie holding a random secret whose sha256
 * is stored with the state, and /h5-oauth/callback is accepted only from the browser that presents it.
 */

/** The cookie that binds one round trip to the browser that started it. `__Host-`: Secure, host-only, Path=/. */
export const bindingCookieName = (state: string): string => `__Host-wxo_${state}`;

export type Binding = 'same' | 'missing' | 'mismatch';

/** Whether a callback comes from the browser that started its round trip. */
export function checkBinding(record: Pick<H5OAuthState, 'bindingSha256'>, cookie: string | undefined): Binding {
  // With binding off there is no way to tell browsers apart: every request counts as the same one.
  if (record.bindingSha256 === null) return 'same';
  if (!cookie) return 'missing';
  return sameDigest(sha256Hex(cookie), record.bindingSha256) ? 'same' : 'mismatch';
}

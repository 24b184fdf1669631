import { readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { renderDemoPage } from '../../../local/runtime/demo-page';
import { H5_OAUTH_PAGE_SCRIPT } from '../../../local/runtime/h5-oauth-page-script';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

const LINK = { url: 'http://127.0.0.1:3000/authorize?auth_type=3&exp=1796428800&sig=abc"def', expiresAt: '2026-12-05T00:00:00.000Z' };

/** The `<script>` body of the README's copy-paste snippet. */
function readmeSnippetScript(): string {
  const section = readme.slice(readme.indexOf('**Copy-paste snippet**'));
  const block = /```html\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return /<script>\n([\s\S]*?)<\/script>/.exec(block)?.[1] ?? '';
}

describe('the sign-in snippet', () => {
  it('is in the README verbatim, after the two lines that configure it', () => {
    const script = readmeSnippetScript();

    expect(script).toMatch(/^const API = '[^']*';.*\nconst APPID = '[^']*';.*\n/);
    expect(script).toContain(`\n${H5_OAUTH_PAGE_SCRIPT}\n`);
  });

  it('is what the demo page runs, verbatim, and the page’s script compiles', () => {
    const page = renderDemoPage({ authorizerAppid: 'wx1111111111111111', authorizationLink: LINK });
    const script = /<script>\n([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';

    expect(script).toContain(`\nconst APPID = "wx1111111111111111";\n${H5_OAUTH_PAGE_SCRIPT}\n`);
    expect(() => new Script(script)).not.toThrow();
    expect(() => new Script(readmeSnippetScript())).not.toThrow();
  });

  it('makes a verifier of 32 random bytes with Web Crypto, sends only its SHA-256 with S256, and the verifier with the login code', () => {
    expect(H5_OAUTH_PAGE_SCRIPT).toContain('crypto.getRandomValues(new Uint8Array(32))');
    expect(H5_OAUTH_PAGE_SCRIPT).toContain("crypto.subtle.digest('SHA-256'");
    expect(H5_OAUTH_PAGE_SCRIPT).toContain("code_challenge_method: 'S256'");
    expect(H5_OAUTH_PAGE_SCRIPT).toContain('JSON.stringify({ loginCode, codeVerifier })');
    expect(H5_OAUTH_PAGE_SCRIPT).toContain("sessionStorage.removeItem('wx_pkce_verifier')");
  });
});

describe('the demo page’s "Authorize an account" link', () => {
  it('points at the signed authorization link it was given, escaped for the attribute, and says until when it works', () => {
    const page = renderDemoPage({ authorizerAppid: 'wx1111111111111111', authorizationLink: LINK });

    expect(page).toContain(
      '<a class="button" id="authorize-link" href="http://127.0.0.1:3000/authorize?auth_type=3&#38;exp=1796428800&#38;sig=abc&#34;def">',
    );
    expect(page).not.toContain('sig=abc"def');
    expect(page).toContain(LINK.expiresAt);
  });
});

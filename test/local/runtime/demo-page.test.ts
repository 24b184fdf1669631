import { readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { renderDemoPage } from '../../../local/runtime/demo-page';
import { H5_OAUTH_PAGE_SCRIPT } from '../../../local/runtime/h5-oauth-page-script';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

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
    const page = renderDemoPage({ authorizerAppid: 'wx1111111111111111' });
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

/**
 * A minimal stand-in for one browser in OAuth tests: follows redirects by hand and keeps cookies per host, so tests
 * can see every hop (start → WeChat authorize → callback → return_to) and act as "another browser" with a fresh jar.
 */
export class TestBrowser {
  readonly #cookies = new Map<string, Map<string, string>>();

  /** One request, no redirect following; stores Set-Cookie. */
  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const { host } = new URL(url);
    const jar = this.#cookies.get(host);
    const cookie = jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) } });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      const expired = attrs.some((attr) => /^\s*max-age=0\s*$/i.test(attr));
      const hostJar = this.#cookies.get(host) ?? new Map<string, string>();
      if (expired) hostJar.delete(name);
      else hostJar.set(name, value);
      this.#cookies.set(host, hostJar);
    }
    return res;
  }

  /** Follows redirects until one leaves `stopAtOrigin` or a non-redirect answers; returns every hop's URL. */
  async follow(url: string, stopAtOrigin: string, maxHops = 6): Promise<{ response: Response; hops: string[] }> {
    const hops = [url];
    let response = await this.get(url);
    while (response.status >= 300 && response.status < 400 && hops.length <= maxHops) {
      const location = new URL(response.headers.get('location')!, hops.at(-1)).href;
      hops.push(location);
      if (new URL(location).origin === stopAtOrigin) break;
      response = await this.get(location);
    }
    return { response, hops };
  }

  cookieNames(host: string): string[] {
    return [...(this.#cookies.get(host)?.keys() ?? [])];
  }
}

// A cookie-keeping HTTP agent for redirect flows without a browser: follows 30x responses by
// hand until a URL outside the server (an app's redirect URI) is reached. Path scoping of
// cookies is ignored: the names involved are distinct.

export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Requests `url` with the jar, following redirects while they stay under `origin`. */
  async follow(
    url: string,
    origin: string,
    init: RequestInit = {},
  ): Promise<{ url: string; response: Response }> {
    let current = url;
    let request: RequestInit = init;
    for (let hops = 0; hops < 20; hops++) {
      const response = await fetch(current, {
        ...request,
        redirect: 'manual',
        headers: { ...(request.headers as Record<string, string>), cookie: this.header() },
      });
      this.store(response);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      const next = new URL(location, current).href;
      if (!next.startsWith(origin)) return { url: next, response };
      current = next;
      request = {};
    }
    throw new Error('too many redirects');
  }
}

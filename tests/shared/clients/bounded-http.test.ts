import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  describeFetchError,
  fetchSameOrigin,
  readBytes,
  readHead,
  redirectAllowed,
  RedirectRefusedError,
  TooLargeError,
} from '../../../shared/clients/bounded-http.ts';

const body = (chunks: string[], headers: Record<string, string> = {}, status = 200) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(ctl) {
        for (const c of chunks) ctl.enqueue(new TextEncoder().encode(c));
        ctl.close();
      },
    }),
    { status, headers },
  );

describe('bounded reads', () => {
  it('reads a body up to its limit and fails past it, whether declared or streamed', async () => {
    expect(new TextDecoder().decode(await readBytes(body(['ab', 'cd']), 4))).toBe('abcd');
    await expect(readBytes(body(['ab', 'cde']), 4)).rejects.toThrow(new TooLargeError(4));
    await expect(readBytes(body(['a'], { 'content-length': String(2 ** 31) }), 1024)).rejects.toThrow('answer larger than 1 KiB');
  });

  it('reads the head of a body for a message, never failing', async () => {
    expect(await readHead(body(['hello ', 'world', '!'.repeat(100)]), 8)).toBe('hello wo');
    const broken = new Response(new ReadableStream({ pull: (ctl) => ctl.error(new Error('reset')) }));
    expect(await readHead(broken)).toBe('');
  });
});

describe('redirects', () => {
  const allowed = (from: string, to: string) => redirectAllowed(new URL(from), new URL(to));

  it('follows within the origin and from http to https on the same host, nowhere else', () => {
    expect(allowed('https://hub.example/a', 'https://hub.example/b')).toBe(true);
    expect(allowed('http://hub.example/a', 'https://hub.example/b')).toBe(true);
    expect(allowed('https://hub.example/a', 'http://hub.example/b')).toBe(false);
    expect(allowed('https://hub.example/a', 'https://hub.example:8443/b')).toBe(false);
    expect(allowed('https://hub.example/a', 'https://evil.example/b')).toBe(false);
    expect(allowed('https://hub.example/a', 'https://hub.example.evil.example/b')).toBe(false);
  });

  it('upgrades http to https only on the same port: another port is another server', () => {
    expect(allowed('http://hub.example:8080/a', 'https://hub.example:8080/b')).toBe(true);
    expect(allowed('http://hub.example:20113/a', 'https://hub.example:20115/b')).toBe(false);
    expect(allowed('http://hub.example/a', 'https://hub.example:8443/b')).toBe(false);
    expect(allowed('http://hub.example:8080/a', 'https://hub.example/b')).toBe(false);
  });

  it('sends the token nowhere when a loopback server "upgrades" it to https on another port', async () => {
    // The other port only counts connections: a followed redirect would open one (for its TLS handshake).
    let connections = 0;
    const other = createNetServer((socket) => (connections++, socket.destroy()));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherPort = (other.address() as AddressInfo).port;
    const redirecting = createServer((_req, res) => res.writeHead(302, { location: `https://127.0.0.1:${otherPort}/hub/api/users` }).end());
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    try {
      const from = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hub/api/users`;
      await expect(fetchSameOrigin(from, { headers: { Authorization: 'token admin-secret' } })).rejects.toThrow(RedirectRefusedError);
      expect(connections).toBe(0);
    } finally {
      redirecting.close();
      other.close();
    }
  });

  it('fetchSameOrigin refuses a redirect elsewhere, and a chain longer than the limit', async () => {
    const to =
      (location: string): typeof fetch =>
      async () =>
        new Response('', { status: 302, headers: { location } });
    await expect(fetchSameOrigin('https://hub.example/a', {}, to('https://evil.example/x'))).rejects.toThrow(RedirectRefusedError);
    await expect(fetchSameOrigin('https://hub.example/a', {}, to('/again'))).rejects.toThrow('more than 5 redirects');
    const seen: string[] = [];
    const once: typeof fetch = async (url) => (
      seen.push(String(url)),
      seen.length === 1 ? new Response('', { status: 301, headers: { location: '/b' } }) : new Response('ok')
    );
    expect(await (await fetchSameOrigin('https://hub.example/a', {}, once)).text()).toBe('ok');
    expect(seen).toEqual(['https://hub.example/a', 'https://hub.example/b']);
  });

  it('gives other methods the redirect as it is', async () => {
    const res = await fetchSameOrigin(
      'https://hub.example/a',
      { method: 'DELETE' },
      async () => new Response('', { status: 302, headers: { location: 'https://evil.example/' } }),
    );
    expect(res.status).toBe(302);
  });
});

describe('describeFetchError', () => {
  it('names what fetch hides in `cause`: a refused connection says ECONNREFUSED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetch(url).catch((e: unknown) => e);
    expect(describeFetchError(error)).toBe('fetch failed (ECONNREFUSED)');
  });

  it("falls back to the cause's message, then the error's, and keeps a secret or a control character out", () => {
    expect(describeFetchError(new Error('fetch failed', { cause: new Error('other side closed') }))).toBe(
      'fetch failed (other side closed)',
    );
    expect(describeFetchError(new Error('connect failed to https://u:hunter2@x.test/\u001b[2J'))).toBe(
      'connect failed to https://[redacted]@x.test/',
    );
    expect(describeFetchError('socket hang up')).toBe('socket hang up');
    expect(describeFetchError(new Error('x'.repeat(2000))).length).toBeLessThanOrEqual(500);
  });
});

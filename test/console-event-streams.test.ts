// The Event streams section of an app's console page: a stream whose SETs were given up on shows
// Retry failed, whose CSRF-checked post queues them again on that stream (and no other).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleClient } from './helpers/page-client.ts';
import { createAppAndUser, startTestServer, type TestServer } from './helpers/server.ts';

describe('console: event streams, Retry failed', () => {
  let server: TestServer;
  let appId: string;
  let page: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({
      app: { id: appId },
    } = await createAppAndUser(server, { name: 'Receiver app' }));
    page = `/console/pools/${server.pool.id}/apps/${appId}`;
  });
  afterAll(() => server.close());

  const signedIn = () => consoleClient(server);

  /** A poll stream with one SET its poller refused (setErrs): failed on the stream's ledger. */
  async function streamWithFailedSet() {
    const receiver = { poolId: server.pool.id, appId };
    const created = await server.services.streams.create(receiver, { description: 'api gateway' });
    if (!created.ok) throw new Error(created.description);
    const stream = created.value;
    const verified = await server.services.streams.verify(receiver, { stream_id: stream.id, state: 's' });
    expect(verified.ok).toBe(true);
    const [set] = await server.store.ssf.pollable(server.pool.id, stream.id, 10);
    expect(
      await server.store.ssf.reject(server.pool.id, stream.id, [{ jti: set!.id, error: 'invalid_key' }]),
    ).toBe(1);
    return { stream, jti: set!.id };
  }

  it('shows Retry failed on a stream with failed events, and queues them again on that stream only', async () => {
    const browser = await signedIn();
    const failed = await streamWithFailedSet();
    const other = await streamWithFailedSet();
    const shown = await browser.get(page);
    expect(shown.statusCode).toBe(200);
    const action = `${page}/event-streams/${failed.stream.id}/replay`;
    expect(shown.body).toContain(`<form method="post" action="${action}">`);
    expect(shown.body).toContain(`aria-label="Retry the failed events of stream ${failed.stream.id}"`);

    // Without the CSRF token nothing is queued.
    expect((await browser.post(action, {})).statusCode).toBe(403);
    expect(await server.store.ssf.pollable(server.pool.id, failed.stream.id, 10)).toEqual([]);

    const done = await browser.submit(page, action, {});
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`${page}?notice=sets-replayed&n=1#event-streams`);
    expect((await browser.get(`${page}?notice=sets-replayed&n=1`)).body).toContain(
      '1 security event queued again on its stream.',
    );
    expect((await server.store.ssf.pollable(server.pool.id, failed.stream.id, 10)).map((s) => s.id)).toEqual([
      failed.jti,
    ]);
    expect(await server.store.ssf.pollable(server.pool.id, other.stream.id, 10)).toEqual([]);
    // Nothing failed is left on it: no button.
    expect((await browser.get(page)).body).not.toContain(`action="${action}"`);
  });

  it('a stream the app does not have is a 404 page that changes nothing', async () => {
    const browser = await signedIn();
    const res = await browser.submit(page, `${page}/event-streams/no-such-stream/replay`, {});
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('This app has no event stream with this id.');
  });
});

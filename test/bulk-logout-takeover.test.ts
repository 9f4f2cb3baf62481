// A node dies in the middle of a bulk "log out everyone" job (issue 10 part 2, finding 3).
// Two nodes on one PostgreSQL: node A starts the job, and after its second batch loses the
// database for good (a TCP proxy cut: it can neither renew its lease nor record anything —
// what kill -9 leaves behind). Node B, already running, takes the job over once A's lease has
// run out and finishes it, without any restart. Every session is ended exactly once and the
// audit trail counts each once; when A comes back it finds the job is B's and stops.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgresUrl } from './helpers/environment.ts';
import { createAppAndUser, login, startTestServer, type TestServer } from './helpers/server.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

const db = postgresUrl();
const NEVER = 2 ** 31 - 1;
const SESSIONS = 40;
const LEASE_MS = 800;

describe.skipIf(!db)('bulk logout taken over from a node that died mid-job', () => {
  let proxy: TcpProxy;
  let a: TestServer;
  let b: TestServer;
  let client: pg.Client;

  beforeAll(async () => {
    const target = new URL(db!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const bulk = { leaseMs: LEASE_MS, batchSize: 10, storeRetryMs: 50 };
    a = await startTestServer({ postgresUrl: proxy.url(db!), bulk });
    b = await startTestServer({
      postgresUrl: db,
      reuse: { ...a.location, postgresUrl: db },
      bulk,
      background: {
        revocationPollMs: NEVER,
        keyReloadMs: NEVER,
        expirySweepMs: NEVER,
        backchannelPollMs: NEVER,
        bulkTakeoverMs: 100,
      },
    });
    client = new pg.Client({ connectionString: db, options: `-c search_path=${a.location.schema}` });
    await client.connect();
  });
  afterAll(async () => {
    await proxy.restore();
    await client?.end();
    await b?.close({ keepData: true });
    await a?.close();
    await proxy?.close();
  });

  it('node B finishes the job once A’s lease runs out: every session ended once, audited once', async () => {
    const { app, user } = await createAppAndUser(a);
    for (let i = 0; i < SESSIONS; i++) await login(a, app.id, user.username, user.password);

    // A dies (for the database) right after its second batch is committed.
    let batches = 0;
    let cut: Promise<void> | null = null;
    const off = a.bus.subscribe((event) => {
      if (event.type === 'session.ended' && ++batches === 2) cut = proxy.cut();
    });
    const started = await a.services.bulkLogouts.start(a.pool.id, null, { type: 'admin', id: 'root' });
    expect(started.total).toBe(SESSIONS);
    await vi.waitFor(() => expect(cut).not.toBeNull(), { timeout: 5000, interval: 10 });
    await cut;
    off();

    // B, running all along, takes the job over after the lease and finishes it.
    await vi.waitFor(
      async () => expect((await b.services.bulkLogouts.get(a.pool.id, started.id))?.status).toBe('done'),
      { timeout: LEASE_MS + 5000, interval: 50 },
    );
    await b.services.bulkLogouts.settle();

    const one = async (sql: string) => (await client.query(sql)).rows[0] as Record<string, string>;
    expect(await one('SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL')).toEqual({ n: '0' });
    expect(await one("SELECT count(*) AS n FROM sessions WHERE end_reason = 'admin_kick'")).toEqual({
      n: String(SESSIONS),
    });
    const records = (
      await client.query("SELECT sessions, revoked FROM session_ends WHERE reason = 'admin_kick'")
    ).rows as { sessions: number; revoked: string }[];
    const revoked = records.flatMap((r) => JSON.parse(r.revoked) as string[]);
    expect(records.reduce((sum, r) => sum + r.sessions, 0)).toBe(SESSIONS);
    expect(revoked).toHaveLength(SESSIONS);
    expect(new Set(revoked).size).toBe(SESSIONS);
    const job = await b.services.bulkLogouts.get(a.pool.id, started.id);
    // Exact: each batch counted in its own transaction, whichever node ran it.
    expect(job).toMatchObject({ status: 'done', error: null, ended: SESSIONS });
    expect(job!.batches).toBeGreaterThanOrEqual(4);

    // A comes back: its retried step finds the job is B's, writes nothing more and stops.
    await proxy.restore();
    await a.services.bulkLogouts.settle();
    expect(await b.services.bulkLogouts.get(a.pool.id, started.id)).toEqual(job);
  });
});

// PostgreSQL "restarted" in the middle. By default the harness's TCP proxy is cut (every
// connection destroyed, new ones refused) for OUTAGE_MS and then restored: what a restart
// looks like to the nodes, without restarting the PostgreSQL other people's tests share.
// `--real-postgres-restart` restarts the server itself (pg_ctlcluster) instead.
//
// Meanwhile users keep signing in, reading /me and logging out on every node. Requests during
// the outage must get a 503 with a stable code and message — not hang, not a 500; nothing
// answered 200 may be lost (a logout's token stays refused, a sign-in's token stays valid);
// the nodes must recover by themselves (no restart).
import { execFileSync } from 'node:child_process';
import { type Answer, logout, me, Recorder, type Session, signIn, signInMany } from '../api.ts';
import { sleep, waitFor } from '../cluster.ts';
import { type Harness, ms, result, type ScenarioResult } from '../context.ts';

const OUTAGE_MS = 8000;
/** A request without an answer for this long counts as hanging. */
const HANG_MS = 10_000;

interface Traffic {
  answers: Answer[];
  loggedOut: string[];
  signedIn: string[];
}

function startTraffic(
  recorder: Recorder,
  urls: string[],
  appId: string,
  accounts: string[],
  queue: Session[],
) {
  const t: Traffic = { answers: [], loggedOut: [], signedIn: [] };
  let stop = false;
  const pick = () => urls[Math.floor(Math.random() * urls.length)]!;
  const loop = async (w: number) => {
    let i = 0;
    while (!stop) {
      const signedIn = await signIn(recorder, pick(), appId, accounts[(w + i++) % accounts.length]!);
      t.answers.push(signedIn);
      if (signedIn.status === 200) {
        const a = await me(recorder, pick(), signedIn.data.token);
        t.answers.push(a);
        // Half the new sessions stay (they must still work afterwards), half join the queue.
        if (i % 2) t.signedIn.push(signedIn.data.token);
        else queue.push({ token: signedIn.data.token, sid: '', account: '' });
      }
      const s = queue.shift();
      if (s) {
        const a = await logout(recorder, pick(), s.token);
        t.answers.push(a);
        if (a.status === 200) t.loggedOut.push(s.token);
      }
      await sleep(150);
    }
  };
  const loops = Array.from({ length: 4 }, (_, w) => loop(w));
  return {
    traffic: t,
    async stop() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

export async function postgresScenario(h: Harness, log: (l: string) => void): Promise<ScenarioResult> {
  const recorder = new Recorder();
  const app = await h.admin.createApp('postgres');
  const accounts = await h.admin.createUsers('pg', 10);
  const urls = h.urls();
  const queue = await signInMany(recorder, urls, app.id, accounts, 40);
  const auditBefore = await h.admin.auditCount();
  const failures: string[] = [];

  const run = startTraffic(recorder, urls, app.id, accounts, queue);
  await sleep(2000);
  const cutAt = Date.now();
  let readyDuring: number[] = [];
  if (h.options.realPostgresRestart) {
    log('  restarting PostgreSQL itself (pg_ctlcluster 15 main restart)');
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', '15', 'main', 'restart'], {
      stdio: 'inherit',
    });
  } else {
    await h.db.proxy.cut();
    log(`  PostgreSQL cut off (proxy: connections destroyed, new ones refused) for ${OUTAGE_MS / 1000} s`);
    await sleep(OUTAGE_MS / 2);
    readyDuring = await Promise.all(
      urls.map((u) =>
        fetch(`${u}/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    await sleep(OUTAGE_MS / 2);
    await h.db.proxy.restore();
  }
  const restoredAt = Date.now();
  log('  PostgreSQL reachable again');
  let recoveredAt: number | null = null;
  try {
    await waitFor(
      'every node ready and signing in',
      async () => {
        const dead = h.nodes.find((n) => n.crashed());
        if (dead) throw new Error(`node ${dead.index} died (${dead.crashed()})`);
        const ready = await Promise.all(
          urls.map((u) =>
            fetch(`${u}/ready`).then(
              (r) => r.status,
              () => 0,
            ),
          ),
        );
        if (!ready.every((s) => s === 200)) return false;
        const signs = await Promise.all(urls.map((u) => signIn(new Recorder(), u, app.id, accounts[0]!)));
        return signs.every((s) => s.status === 200);
      },
      60_000,
      200,
    );
    recoveredAt = Date.now();
  } catch (error) {
    failures.push(`the nodes did not recover: ${(error as Error).message}`);
  }
  await sleep(2000);
  await run.stop();
  const { traffic } = run;

  // Let the poll catch up with ends another node committed, then check what was answered 200.
  await sleep(2500);
  const stillAccepted = (
    await Promise.all(
      traffic.loggedOut.flatMap((token) => urls.map(async (u) => (await me(recorder, u, token)).status)),
    )
  ).filter((s) => s !== 401).length;
  const lostSignIns = (
    await Promise.all(
      traffic.signedIn.flatMap((token) => urls.map(async (u) => (await me(recorder, u, token)).status)),
    )
  ).filter((s) => s !== 200).length;
  const audits = (await h.admin.auditCount()) - auditBefore;
  const lostAudits = Math.max(0, traffic.loggedOut.length - audits);

  const end = recoveredAt ?? Date.now();
  const inOutage = (a: Answer) => a.startedAt + a.ms >= cutAt && a.startedAt <= end;
  const during = traffic.answers.filter(inOutage);
  const outside = traffic.answers.filter((a) => !inOutage(a));
  const errors = during.filter((a) => a.status >= 500);
  const shapes = new Map<string, number>();
  for (const a of errors) {
    const key = `${a.status} ${a.code ?? '-'} "${a.message}"${a.retryAfter ? ` Retry-After: ${a.retryAfter}` : ''}`;
    shapes.set(key, (shapes.get(key) ?? 0) + 1);
  }
  const not503 = errors.filter((a) => a.status !== 503);
  const hung = during.filter((a) => a.hung || a.ms > HANG_MS);
  const unanswered = during.filter((a) => a.status === 0 && !a.hung);
  const codes503 = new Set(errors.filter((a) => a.status === 503).map((a) => `${a.code} ${a.message}`));
  const outside5xx = outside.filter((a) => a.status >= 500 || a.status === 0);
  const slowest = during.length ? Math.max(...during.map((a) => a.ms)) : null;
  const lost = stillAccepted + lostSignIns + lostAudits;

  if (not503.length > 0)
    failures.push(
      `${not503.length} answers during the outage were ${[...new Set(not503.map((a) => `${a.status}/${a.code}`))].join(', ')}, not 503`,
    );
  if (codes503.size > 1) failures.push(`503s with ${codes503.size} different codes or messages`);
  if (errors.some((a) => a.status === 503 && a.code === null)) failures.push('a 503 without a code');
  if (hung.length > 0) failures.push(`${hung.length} requests hung (> ${HANG_MS / 1000} s)`);
  if (unanswered.length > 0) failures.push(`${unanswered.length} connections failed without an answer`);
  if (outside5xx.length > 0) failures.push(`${outside5xx.length} 5xx or failures outside the outage`);
  if (stillAccepted > 0)
    failures.push(`${stillAccepted} node answers accepted a token logged out with a 200`);
  if (lostSignIns > 0) failures.push(`${lostSignIns} node answers refused a token signed in with a 200`);
  if (lostAudits > 0) failures.push(`${lostAudits} logouts answered 200 without an audit record`);

  const how = h.options.realPostgresRestart
    ? 'PostgreSQL restarted (pg_ctlcluster)'
    : `proxy cut ${OUTAGE_MS / 1000} s (connections destroyed, new refused)`;
  return result(
    'postgres-outage',
    {
      count: `${traffic.answers.length} requests, ${during.length} in the outage`,
      p50: null,
      p99: null,
      fiveXX: outside5xx.length,
      lost,
      notes:
        `${how}; during it: ${[...shapes].map(([k, n]) => `${n}× ${k}`).join(', ') || 'no 5xx'}; ` +
        `${during.filter((a) => a.status === 200).length} answered 200; slowest answer ${ms(slowest)}; /ready during: ${readyDuring.join(',') || '—'}; ` +
        `recovered (every node ready and signing in) ${recoveredAt ? ms(recoveredAt - restoredAt) : 'not within 60 s'} after PostgreSQL came back, no restart; ` +
        `afterwards ${traffic.loggedOut.length} logouts answered 200 all refused on 3 nodes: ${stillAccepted === 0 ? 'yes' : `no (${stillAccepted})`}, ${traffic.signedIn.length} sign-ins answered 200 all still valid: ${lostSignIns === 0 ? 'yes' : `no (${lostSignIns})`}; audit ${audits} for ${traffic.loggedOut.length}`,
    },
    failures,
  );
}

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createLogger, redactUrl } from '../src/logger.ts';
import { startTestServer } from './helpers/server.ts';

describe('request logging', () => {
  it('redacts credentials in query strings', () => {
    expect(redactUrl('/api/v2/userpools/accessToken?userPoolId=p&secret=s3cr3t')).toBe(
      '/api/v2/userpools/accessToken?userPoolId=p&secret=%5Bredacted%5D',
    );
    expect(redactUrl('/health')).toBe('/health');
    expect(redactUrl('/x?a=1&id_token_hint=eyJ')).not.toContain('eyJ');
  });

  it("never writes the pool secret of Authing's GET token route to the log", async () => {
    const server = await startTestServer();
    let written = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        written += chunk;
        done();
      },
    });
    const app = await buildApp({ services: server.services, logger: createLogger('info', sink) });
    try {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v2/userpools/accessToken?userPoolId=${server.pool.id}&secret=${server.pool.secret}`,
      });
      expect(res.statusCode).toBe(200);
      expect(written).toContain('/api/v2/userpools/accessToken');
      expect(written).not.toContain(server.pool.secret);
      expect(written).not.toContain(res.json().data.accessToken);
    } finally {
      await app.close();
      await server.close();
    }
  });
});

// The console's time zone page: the reader picks the zone the console writes times in (the same
// preference, and cookie, as the personal center's; time-zone.ts). No script can tell the server
// the browser's zone, so it is asked once; until then times are in UTC, and every time says
// which zone it is in.
import type { HttpContext } from '../../context.ts';
import type { Csrf } from '../csrf.ts';
import { CSRF_FIELD } from '../csrf.ts';
import { TIME_ZONES, timeZoneOf } from '../formats.ts';
import { html } from '../html.ts';
import { csrfField } from '../layout.ts';
import type { PageApp } from '../page-app.ts';
import { redirectTo } from '../page-reply.ts';
import { single } from '../params.ts';
import { readerTimeZone, rememberTimeZone, TIME_ZONE_FIELD } from '../time-zone.ts';
import { show } from './console-guard.ts';
import { consoleMessagePage, consoleShell } from './console-layout.ts';

/** Where to go back to: a console page of this server, never anywhere else. */
const backOf = (value: string | null) =>
  value && /^\/console(\/|\?|$)/.test(value) && !value.includes('//') && !value.includes('\\')
    ? value
    : '/console';

export function timeZoneRoutes(app: PageApp, ctx: HttpContext, csrf: Csrf) {
  app.get('/console/time-zone', { schema: { hide: true } }, async (req, reply) => {
    const back = backOf(single(req.query, 'back'));
    const current = readerTimeZone(req);
    return show(
      reply,
      consoleShell({
        title: 'Time zone',
        header: null,
        main: html`<main id="main" class="site-main narrow">
<div class="card card-lg stack">
  <h1>Time zone</h1>
  <p>The console writes times in <strong>${current}</strong>. Choose the zone you read them in; this browser remembers it (the personal center uses it too).</p>
  <form method="post" action="/console/time-zone" class="stack">
    ${csrfField(csrf.token(req, reply))}
    <input type="hidden" name="back" value="${back}">
    <div class="field"><label for="tz">Time zone</label>
    <select class="input" id="tz" name="${TIME_ZONE_FIELD}">${TIME_ZONES.map(
      (zone) => html`<option value="${zone}"${zone === current ? html` selected` : null}>${zone}</option>`,
    )}</select></div>
    <div class="form-actions"><button type="submit" class="button button-primary">Save</button> <a href="${back}">Back</a></div>
  </form>
</div>
</main>`,
      }),
    );
  });

  app.post('/console/time-zone', { schema: { hide: true } }, async (req, reply) => {
    if (!csrf.verify(req, single(req.body, CSRF_FIELD))) {
      return show(
        reply,
        consoleMessagePage('This form has expired', 'Open the time zone page again and choose once more.', {
          href: '/console/time-zone',
          label: 'Time zone',
        }),
        403,
      );
    }
    const zone = timeZoneOf(single(req.body, TIME_ZONE_FIELD));
    const back = backOf(single(req.body, 'back'));
    if (!zone) {
      return show(
        reply,
        consoleMessagePage('Not a time zone', 'Choose one from the list.', {
          href: `/console/time-zone?back=${encodeURIComponent(back)}`,
          label: 'Time zone',
        }),
        400,
      );
    }
    rememberTimeZone(reply, zone, ctx.cookie);
    return redirectTo(reply, back);
  });
}

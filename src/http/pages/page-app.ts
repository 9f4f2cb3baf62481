// The app the hosted pages register their routes on: pages.ts's encapsulated scope, whose
// errors are pages. A leaf of its own so that the route modules pages.ts registers can name it
// without importing pages.ts back (an import cycle).
import type { App } from '../context.ts';

export type PageApp = App;

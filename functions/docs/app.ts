import { UnavailableError } from '../../core/errors.ts';
import { createAppShell } from '../http/app-shell.ts';
import type { LogLine } from '../http/request-log.ts';
import { renderZadigError } from '../zadig/errors.ts';
import { dialects } from './dialects.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { REFERENCE_PAGE_CSP, SCALAR_PACKAGE, buildReferencePage, readScalarBundle } from './reference-page.ts';

/** `GET /openapi.json` and `GET /docs` (with the scripts it loads), all public. */
export function createDocsApp({
  log,
  loadScalarBundle = readScalarBundle,
}: {
  log?: LogLine;
  loadScalarBundle?: () => Uint8Array | undefined;
} = {}) {
  const app = createAppShell({ renderError: renderZadigError, ctx: null, ...(log ? { log } : {}) });
  const document = buildOpenApiDocument(dialects);
  app.get('/openapi.json', (c) => c.json(document));

  const bundle = loadScalarBundle();
  const page = bundle && buildReferencePage({ bundle, documentUrl: '/openapi.json', title: 'Berth API' });
  app.get('/docs', (c) => {
    if (!page) throw new UnavailableError(`the API reference needs the npm package ${SCALAR_PACKAGE}, not installed`);
    // Revalidated on every visit: it names the current scripts, which are cached for good.
    return c.html(page.html, 200, { 'cache-control': 'no-cache', 'content-security-policy': REFERENCE_PAGE_CSP });
  });
  for (const script of page?.scripts ?? []) {
    app.get(script.path, (c) =>
      c.body(script.body as Uint8Array<ArrayBuffer>, 200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
      }),
    );
  }
  return app;
}

import { Scalar } from '@scalar/hono-api-reference';
import { createAppShell } from '../http/app-shell.ts';
import type { LogLine } from '../http/request-log.ts';
import { renderZadigError } from '../zadig/errors.ts';
import { dialects } from './dialects.ts';
import { buildOpenApiDocument } from './openapi.ts';

/** `GET /openapi.json` and `GET /docs`, both public. */
export function createDocsApp({ log }: { log?: LogLine } = {}) {
  const app = createAppShell({ renderError: renderZadigError, ...(log ? { log } : {}) });
  const document = buildOpenApiDocument(dialects);
  app.get('/openapi.json', (c) => c.json(document));
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'Berth API' }));
  return app;
}

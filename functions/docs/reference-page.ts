import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A script served under a name that changes with its content, so it can be cached for good. */
export type ImmutableScript = { path: string; body: Uint8Array; integrity: string };

/**
 * The API reference page, with everything it runs served by Berth: Scalar's
 * standalone bundle (from the npm package, no CDN) and the script that starts
 * it. Both are checked by the browser against their SRI hash, and the page's
 * CSP lets it load nothing from anywhere else, so it works offline, behind a
 * proxy, and under a strict CSP of its own.
 */
export type ReferencePage = { html: string; scripts: ImmutableScript[] };

export const SCALAR_PACKAGE = '@scalar/api-reference';

/**
 * - scripts, connections (the OpenAPI document), images and fonts: Berth only;
 * - styles also inline: Scalar's components insert `<style>` elements as they mount.
 */
export const REFERENCE_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Reads Scalar's standalone bundle (the file the CDN serves) from the installed package, or `undefined` when the
 * package is not installed. The package exports no path to it, so it is found beside the package's entry point.
 */
export function readScalarBundle(): Uint8Array | undefined {
  let entry: string;
  try {
    entry = import.meta.resolve(SCALAR_PACKAGE);
  } catch {
    return undefined;
  }
  return readFileSync(new URL('./browser/standalone.js', entry));
}

export function buildReferencePage({
  bundle,
  documentUrl,
  title,
}: {
  bundle: Uint8Array;
  documentUrl: string;
  title: string;
}): ReferencePage {
  const scalar = immutableScript('scalar', bundle);
  const configuration = {
    url: documentUrl,
    // Every operation of every dialect in the sidebar, not only the first group's.
    defaultOpenAllTags: true,
    // Each of these would reach scalar.com (fonts, telemetry, the AI agent, the request proxy, the toolbar's
    // share and deploy buttons).
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    proxyUrl: '',
    showDeveloperTools: 'never',
  };
  const start = immutableScript(
    'reference',
    new TextEncoder().encode(`Scalar.createApiReference('#app', ${JSON.stringify(configuration)});\n`),
  );
  const scripts = [scalar, start];
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <link rel="icon" href="data:," />
  </head>
  <body>
    <div id="app"></div>
${scripts.map((script) => `    <script src="${script.path}" integrity="${script.integrity}"></script>`).join('\n')}
  </body>
</html>
`;
  return { html, scripts };
}

function immutableScript(name: string, body: Uint8Array): ImmutableScript {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return {
    path: `/docs/assets/${name}.${hash}.js`,
    body,
    integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
  };
}

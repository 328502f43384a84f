import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocsApp } from '../../functions/docs/app.ts';
import { dialects } from '../../functions/docs/dialects.ts';
import { launchChromium, type Browser } from '../support/chromium.ts';

const SCREENSHOT = resolve('.berth', 'docs-page.png');

let origin: string;
let server: ReturnType<typeof serve>;
let browser: Browser;

beforeAll(async () => {
  const app = createDocsApp({ log: () => {} });
  server = await new Promise((done) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(started));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('the API reference in a browser, offline', () => {
  it('lists the operations of every dialect, loading nothing but from Berth', async () => {
    const page = await browser.open();
    await page.navigate(`${origin}/docs`);

    const operations = dialects.flatMap((dialect) =>
      Object.values(dialect.routes).map((contract) => ({ dialect: dialect.tag, summary: contract.summary })),
    );
    const missingOperations = async () => {
      const text = await page.evaluate<string>('document.body.innerText');
      return operations
        .filter((operation) => !text.includes(operation.summary))
        .map((operation) => `${operation.dialect}: ${operation.summary}`);
    };
    // Scalar renders after it has fetched the document; give it up to 30 s on a busy machine.
    const deadline = Date.now() + 30_000;
    let missing = await missingOperations();
    while (missing.length > 0 && Date.now() < deadline) {
      await sleep(500);
      missing = await missingOperations();
    }
    await mkdir(resolve('.berth'), { recursive: true });
    await writeFile(SCREENSHOT, await page.screenshot());

    expect(missing).toEqual([]);
    expect(page.requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    expect(page.requests).toContain(`${origin}/openapi.json`);
    // A CSP or SRI refusal would show here, as would any script error.
    expect(page.errors).toEqual([]);
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Debian's headless Chromium, driven over the DevTools protocol with Node's
 * own WebSocket (no browser-automation dependency). The flags keep it off
 * the network it would otherwise call home on, and off the GPU and sandbox
 * this machine lacks.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0',
  '--window-size=1440,1000',
];

/** The parts of the DevTools protocol's events and results this driver reads. */
type CdpEvent = {
  method: string;
  sessionId?: string;
  params: {
    request?: { url: string };
    entry?: { level: string; text: string };
    type?: string;
    args?: Array<{ value?: unknown }>;
    exceptionDetails?: { text: string; exception?: { description?: string } };
  };
};
type CdpResult = {
  targetId?: string;
  sessionId?: string;
  result?: { value?: unknown };
  exceptionDetails?: { text: string };
  data?: string;
};

export type BrowserPage = {
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Console errors and browser log entries of level error (CSP and SRI refusals among them). */
  errors: string[];
  navigate(url: string): Promise<void>;
  /** Evaluates an expression in the page and returns its value (JSON-serialisable). */
  evaluate<T>(expression: string): Promise<T>;
  screenshot(): Promise<Buffer>;
};

export type Browser = { open(): Promise<BrowserPage>; close(): Promise<void> };

export async function launchChromium(executable = process.env['CHROMIUM'] ?? 'chromium'): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'berth-chromium-'));
  const child = spawn(executable, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const endpoint = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('Chromium did not print its DevTools endpoint within 30 s')), 30_000);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`Chromium exited with code ${code} before it listened`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        done(match[1]!);
      }
    });
  });

  const socket = new WebSocket(endpoint);
  await new Promise((done, fail) => {
    socket.addEventListener('open', done, { once: true });
    socket.addEventListener('error', fail, { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, { done: (result: CdpResult) => void; fail: (error: Error) => void }>();
  const listeners = new Set<(event: CdpEvent) => void>();
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data));
    if (data.id === undefined) {
      for (const listener of listeners) listener(data);
      return;
    }
    const waiter = pending.get(data.id);
    pending.delete(data.id);
    if (data.error) waiter?.fail(new Error(`${data.error.message} (${data.error.code})`));
    else waiter?.done(data.result);
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<CdpResult> =>
    new Promise((done, fail) => {
      const id = nextId++;
      pending.set(id, { done, fail });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });

  return {
    async open() {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      if (sessionId === undefined) throw new Error('Chromium attached to no page');
      const requests: string[] = [];
      const errors: string[] = [];
      let loaded: (() => void) | undefined;
      listeners.add((event) => {
        if (event.sessionId !== sessionId) return;
        const { request, entry, type, args, exceptionDetails } = event.params;
        if (event.method === 'Network.requestWillBeSent') requests.push(request!.url);
        if (event.method === 'Page.loadEventFired') loaded?.();
        if (event.method === 'Log.entryAdded' && entry!.level === 'error') errors.push(entry!.text);
        if (event.method === 'Runtime.consoleAPICalled' && type === 'error')
          errors.push((args ?? []).map((arg) => String(arg.value)).join(' '));
        if (event.method === 'Runtime.exceptionThrown')
          errors.push(exceptionDetails!.exception?.description ?? exceptionDetails!.text);
      });
      for (const domain of ['Page', 'Network', 'Runtime', 'Log']) await send(`${domain}.enable`, {}, sessionId);
      return {
        requests,
        errors,
        async navigate(url) {
          const load = new Promise<void>((done) => (loaded = done));
          await send('Page.navigate', { url }, sessionId);
          await load;
        },
        async evaluate<T>(expression: string) {
          const { result, exceptionDetails } = await send(
            'Runtime.evaluate',
            { expression, returnByValue: true, awaitPromise: true },
            sessionId,
          );
          if (exceptionDetails) throw new Error(`evaluate failed: ${exceptionDetails.text}`);
          return result?.value as T;
        },
        async screenshot() {
          const { data } = await send(
            'Page.captureScreenshot',
            { format: 'png', captureBeyondViewport: false },
            sessionId,
          );
          return Buffer.from(data ?? '', 'base64');
        },
      };
    },
    async close() {
      await send('Browser.close').catch(() => undefined);
      socket.close();
      if (child.exitCode === null) await new Promise((done) => child.once('exit', done));
      await rm(profile, { recursive: true, force: true });
    },
  };
}

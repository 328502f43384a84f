/**
 * The server side of `npm run bench -- load`, run as a child process so that
 * its memory is its own: `berth` is `npm start`'s server (startLocalBerth, its
 * JSON request log written to stdout), `bare` a Hono handler served the same
 * way, the yardstick. Over IPC it says where it listens, and answers `measure`
 * with its memory after a full collection and what its request log counted.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { jsonLogLine, type LogLine } from '../functions/http/request-log.ts';
import { startLocalBerth } from '../functions/local/server.ts';

export type ServerReport = {
  memory: { rssBytes: number; heapUsedBytes: number };
  log: { requests: number; serverErrors: number; clusterRetries: number };
};
export type ServerMessage = { ready: { url: string; adminToken: string } } | { report: ServerReport };

const send = (message: ServerMessage) => process.send!(message);
const counted = { requests: 0, serverErrors: 0, clusterRetries: 0 };
const log: LogLine = (entry) => {
  if (entry['msg'] === 'request') {
    counted.requests += 1;
    if (Number(entry['status']) >= 500) counted.serverErrors += 1;
    counted.clusterRetries += Number(entry['cluster_retries'] ?? 0);
  }
  jsonLogLine(entry);
};

let stop: () => Promise<void>;
if (process.argv[2] === 'bare') {
  const app = new Hono();
  app.get('/', (c) => c.json({ status: 'ok' }));
  const server = await new Promise<ReturnType<typeof serve>>((done) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(started));
  });
  stop = () => new Promise((done) => server.close(() => done()));
  send({ ready: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, adminToken: '' } });
} else {
  const berth = await startLocalBerth({ ...process.env, PORT: '0' }, log);
  stop = berth.stop;
  send({ ready: { url: berth.url, adminToken: berth.adminToken } });
}

process.on('message', (message) => {
  if (message !== 'measure') return;
  // Twice: the first collection can leave finalised objects for the second.
  globalThis.gc!();
  globalThis.gc!();
  const { rss, heapUsed } = process.memoryUsage();
  send({ report: { memory: { rssBytes: rss, heapUsedBytes: heapUsed }, log: { ...counted } } });
});
process.once('SIGTERM', () => void stop().finally(() => process.exit(0)));

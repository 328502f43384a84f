import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClusterConnections, KubeCluster } from '../../core/cluster/gateway.ts';
import { UnavailableError } from '../../core/errors.ts';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube, localControlPlane, runningPods } from '../support/kube.ts';
import { kubeconfigFor } from '../support/kubeconfigs.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { stringAt } from '../support/json.ts';

const CLUSTER_TIMEOUT_MS = 3000;
const suffix = randomBytes(3).toString('hex');
const testNamespace = `logs-env-dev-${suffix}`;
const prodNamespace = `logs-env-prod-${suffix}`;
// kwok serves one log file for every container; only the local control plane lets a test write to it.
const kwok = inject('clusterDataDir') !== null;

let berth: Harness;
let testPod: string;
let prodPod: string;
let silent: { port: number; close(): void };

const { zadig, settled } = environmentClient(() => berth);
const environmentApp = () => berth.apps['zadig-environment'];

/**
 * One request's identity, sent as `x-request-id`: `ended()` is the line the
 * app logs once that request's stream is over (after the cluster's log
 * request ended), the server-side proof a stream stopped.
 */
function traced() {
  const requestId = randomUUID();
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': requestId };
  const ended = () =>
    berth.logs.find((entry) => entry['msg'] === 'log stream ended' && entry['request_id'] === requestId);
  return { headers, ended };
}

/** A GET as a Lambda response stream would make it: the body is left to the caller to read, or not. */
const request = (app: Pick<Hono, 'fetch'>, path: string, headers: Record<string, string>) =>
  app.fetch(new Request(`http://berth.test${path}`, { headers }));

/** Serves an app on a real loopback port, as the local server does. */
async function listen(app: Pick<Hono, 'fetch'>): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

type SseEvent = { event: string; data: string };

/** An EventSource-like reader over fetch: events as they arrive, keepalive comments counted, and a way to hang up. */
async function openSse(url: string, headers: Record<string, string> = traced().headers) {
  const hangUp = new AbortController();
  const response = await fetch(url, { headers, signal: hangUp.signal });
  const events: SseEvent[] = [];
  const state = { comments: 0, ended: false };
  const reading = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) {
            state.comments++;
            continue;
          }
          const fields = block.split('\n');
          const event = fields.find((field) => field.startsWith('event: '))?.slice('event: '.length) ?? 'message';
          const data = fields
            .filter((field) => field.startsWith('data: '))
            .map((field) => field.slice('data: '.length));
          events.push({ event, data: data.join('\n') });
        }
      }
    } catch {
      // Hung up by the test.
    }
    state.ended = true;
  })();
  const messages = () => events.filter((event) => event.event === 'message').map((event) => event.data);
  return {
    response,
    events,
    state,
    messages,
    /** Waits until a message contains `text`. */
    received: (text: string, timeoutMs = 15_000) =>
      eventually(async () => (messages().some((line) => line.includes(text)) ? true : undefined), {
        timeoutMs,
        intervalMs: 50,
      }),
    finished: reading,
    hangUp: () => hangUp.abort(),
  };
}

const logsPath = (pod: string, container: string, query: string) =>
  `/openapi/logs/sse/pods/${pod}/containers/${container}?${query}`;

async function createEnvironment(scope: 'test' | 'production', envKey: string, namespace: string) {
  const base = scope === 'production' ? '/openapi/environments/production' : '/openapi/environments';
  const created = await zadig(`${base}?projectKey=logs`, {
    json: {
      env_key: envKey,
      cluster_id: 'local',
      namespace,
      registry_id: 'harbor',
      services: [{ service_name: 'service1' }],
    },
  });
  expect(created.status).toBe(200);
  expect(await settled(stringAt(created.json, 'operation_id'), 120_000)).toMatchObject({ state: 'success' });
  const [pod] = await runningPods(namespace, 'app=service1', 1, 120_000);
  return pod!.metadata!.name!;
}

/** A TCP port that accepts connections and never answers: a cluster that hangs. */
async function silentServer() {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

beforeAll(async () => {
  berth = await createHarness({ clusterTimeoutMs: CLUSTER_TIMEOUT_MS });
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, 'logs');
  // kwok answers a followed log only once its file has a line.
  if (kwok) await (await localControlPlane())!.appendLog(`zadig-logs ${suffix} start`);
  [testPod, prodPod] = await Promise.all([
    createEnvironment('test', 'dev', testNamespace),
    createEnvironment('production', 'prod', prodNamespace),
  ]);

  silent = await silentServer();
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: 'silent', name: 'silent', kubeconfig: kubeconfigFor({ server: `https://127.0.0.1:${silent.port}` }) },
  });
  // Recorded at once; the worker's attempt to apply it fails later, which does not matter here.
  await zadig('/openapi/environments?projectKey=logs', {
    json: { env_key: 'hangs', cluster_id: 'silent', namespace: `logs-hangs-${suffix}`, registry_id: 'harbor' },
  });
}, 300_000);

afterAll(async () => {
  silent?.close();
  await Promise.all(
    [testNamespace, prodNamespace].map((name) =>
      kube()
        .core.deleteNamespace({ name })
        .catch(() => undefined),
    ),
  );
  await berth?.close();
});

describe.runIf(kwok)('following a container log over SSE', () => {
  it('sends the tail, then each line appended while connected, as `event: message`', async () => {
    const plane = (await localControlPlane())!;
    const marker = `sse-${randomBytes(4).toString('hex')}`;
    await plane.appendLog(`${marker} before`);
    const { headers, ended } = traced();
    const server = await listen(environmentApp());
    try {
      const sse = await openSse(
        `${server.url}${logsPath(testPod, 'service1', 'projectKey=logs&envName=dev&tails=50')}`,
        headers,
      );
      expect(sse.response.status).toBe(200);
      expect(sse.response.headers.get('content-type')).toBe('text/event-stream');
      await sse.received(`${marker} before`);

      await plane.appendLog(`${marker} after 1\n${marker} after 2`);
      await sse.received(`${marker} after 2`);
      const ours = sse.messages().filter((line) => line.includes(marker));
      expect(ours.map((line) => line.slice(line.indexOf(marker)))).toEqual([
        `${marker} before`,
        `${marker} after 1`,
        `${marker} after 2`,
      ]);
      expect(sse.events.every((event) => event.event === 'message')).toBe(true);
      expect(ended()).toBeUndefined();
      sse.hangUp();
      await sse.finished;
    } finally {
      await server.close();
    }
  });

  it('stops following the cluster when the client disconnects', async () => {
    const plane = (await localControlPlane())!;
    const marker = `gone-${randomBytes(4).toString('hex')}`;
    await plane.appendLog(`${marker} seen`);
    const { headers, ended } = traced();
    const server = await listen(environmentApp());
    try {
      const sse = await openSse(
        `${server.url}${logsPath(testPod, 'service1', 'projectKey=logs&envName=dev&tails=20')}`,
        headers,
      );
      await sse.received(`${marker} seen`);
      sse.hangUp();
      // The closing line is written only after the cluster's log request was cancelled and its follow returned.
      const line = await eventually(async () => ended(), { timeoutMs: 5000, intervalMs: 20 });
      expect(line).toMatchObject({
        level: 'info',
        reason: 'client-gone',
        pod: `${testNamespace}/${testPod}`,
        container: 'service1',
      });
      expect(line['lines']).toBeGreaterThanOrEqual(1);
    } finally {
      await server.close();
    }
  });

  it('ends by itself at the maximum duration with `event: end`, sending keepalives while quiet', async () => {
    const { headers, ended } = traced();
    const server = await listen(
      berth.appsWith({ logStream: { maxLogStreamMs: 1500, logHeartbeatMs: 200 } })['zadig-environment'],
    );
    try {
      const started = Date.now();
      const sse = await openSse(
        `${server.url}${logsPath(testPod, 'service1', 'projectKey=logs&envName=dev&tails=1')}`,
        headers,
      );
      await sse.finished;
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(sse.events.at(-1)).toEqual({ event: 'end', data: 'max-duration' });
      expect(sse.state.comments).toBeGreaterThanOrEqual(3);
      expect(ended()).toMatchObject({ reason: 'max-duration' });
    } finally {
      await server.close();
    }
  });

  it('ends, and cancels the cluster request, when the client stops reading without hanging up', async () => {
    // What a Lambda response stream does when its client leaves: the body is no longer read, and never cancelled.
    const { headers, ended } = traced();
    const app = berth.appsWith({ logStream: { logHeartbeatMs: 100 } })['zadig-environment'];
    const response = await request(app, logsPath(testPod, 'service1', 'projectKey=logs&envName=dev&tails=5'), headers);
    expect(response.status).toBe(200);
    const line = await eventually(async () => ended(), { timeoutMs: 5000, intervalMs: 20 });
    expect(line).toMatchObject({ reason: 'client-stalled' });
    await response.body?.cancel();
  });

  it('takes `since` as seconds or as a Go duration, and leaves older lines out', async () => {
    const plane = (await localControlPlane())!;
    const marker = `since-${randomBytes(4).toString('hex')}`;
    await plane.appendLog(`${marker} old`);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await plane.appendLog(`${marker} new`);
    const server = await listen(environmentApp());
    try {
      for (const since of ['2', '2s', '1.5s']) {
        const sse = await openSse(
          `${server.url}${logsPath(testPod, 'service1', `projectKey=logs&envName=dev&tails=100&since=${since}`)}`,
        );
        await sse.received(`${marker} new`);
        expect(sse.messages().some((line) => line.includes(`${marker} old`))).toBe(false);
        sse.hangUp();
        await sse.finished;
      }
    } finally {
      await server.close();
    }
  });

  it('sends the last 10 lines when `tails` is absent, as Zadig does', async () => {
    const plane = (await localControlPlane())!;
    const marker = `tail-${randomBytes(4).toString('hex')}`;
    await plane.appendLog(Array.from({ length: 12 }, (_, index) => `${marker} ${index + 1}`).join('\n'));
    const server = await listen(environmentApp());
    try {
      const sse = await openSse(`${server.url}${logsPath(testPod, 'service1', 'projectKey=logs&envName=dev')}`);
      await sse.received(`${marker} 12`);
      const ours = sse.messages().filter((line) => line.includes(marker));
      // Other suites write to the same file: their lines can only push ours out of the window, never add to it.
      expect(ours.length).toBeLessThanOrEqual(10);
      expect(ours.at(-1)).toContain(`${marker} 12`);
      sse.hangUp();
      await sse.finished;
    } finally {
      await server.close();
    }
  });

  it('follows a production environment’s pod with `production=true`', async () => {
    const plane = (await localControlPlane())!;
    const marker = `prod-${randomBytes(4).toString('hex')}`;
    await plane.appendLog(marker);
    const server = await listen(environmentApp());
    try {
      const sse = await openSse(
        `${server.url}${logsPath(prodPod, 'service1', 'projectKey=logs&envName=prod&tails=20&production=true')}`,
      );
      await sse.received(marker);
      sse.hangUp();
      await sse.finished;
    } finally {
      await server.close();
    }
  });
});

/**
 * The real cluster behind every check, with the log stream itself played by
 * `followLog`: kwok never ends a followed log nor fails one midway, which
 * real clusters do (a container exits, the API server restarts).
 */
function playedLog(followLog: KubeCluster['followLog']): ClusterConnections {
  return {
    forget: (id) => berth.connections.forget(id),
    get: async (id) => ({ ...(await berth.connections.get(id)), followLog }),
  };
}
const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) =>
    signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
  );

/** The events of a finished SSE body. */
const eventsOf = (text: string) =>
  text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => ({
      event: block.split('\n')[0]!.slice('event: '.length),
      data: block
        .split('\n')
        .slice(1)
        .map((field) => field.slice('data: '.length))
        .join('\n'),
    }));

describe('when the cluster’s log ends or fails while streaming', () => {
  const path = () => logsPath(testPod, 'service1', 'projectKey=logs&envName=dev&tails=10');
  /** The environment group with the log stream played by `followLog`. */
  const playing = (followLog: KubeCluster['followLog']) =>
    berth.appsWith({ connections: playedLog(followLog) })['zadig-environment'];

  it('a log that ends (the container exited) ends the stream with `event: end` / `log-ended`', async () => {
    const { headers, ended } = traced();
    const app = playing(async (_ns, _pod, _options, onLine) => ['first', 'last\r'].forEach(onLine));
    const response = await request(app, path(), headers);
    expect(eventsOf(await response.text())).toEqual([
      { event: 'message', data: 'first' },
      { event: 'message', data: 'last' },
      { event: 'end', data: 'log-ended' },
    ]);
    expect(ended()).toMatchObject({ reason: 'log-ended', lines: 2 });
  });

  it('a cluster failing midway ends the stream with `event: error` saying what failed', async () => {
    const { headers, ended } = traced();
    const app = playing(async (_ns, _pod, _options, onLine) => {
      onLine('before the failure');
      throw new UnavailableError('the cluster is unreachable: ECONNRESET');
    });
    const response = await request(app, path(), headers);
    expect(eventsOf(await response.text())).toEqual([
      { event: 'message', data: 'before the failure' },
      { event: 'error', data: 'the cluster is unreachable: ECONNRESET' },
    ]);
    expect(ended()).toMatchObject({ level: 'warn', reason: 'error', error: 'Unavailable' });
  });

  it('a client that reads slower than the log grows is told so, and the cluster request ends', async () => {
    let cancelled = false;
    const line = 'x'.repeat(1023);
    const { headers, ended } = traced();
    const app = playing(async (_ns, _pod, _options, onLine, signal) => {
      for (let index = 0; index < 5 * 1024 && !signal.aborted; index++) onLine(line);
      await untilAborted(signal);
      cancelled = true;
    });
    const response = await request(app, path(), headers);
    await eventually(async () => ended(), { timeoutMs: 5000, intervalMs: 20 });
    expect(cancelled).toBe(true);
    const events = eventsOf(await response.text());
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: 'the client reads slower than the log grows; reconnect with since= to continue',
    });
    expect(ended()).toMatchObject({ reason: 'client-too-slow' });
    expect(ended()!['lines']).toBeLessThan(5 * 1024);
  });
});

describe('refusals, answered before any stream starts', () => {
  const refused = (path: string, { token = true } = {}) =>
    call(environmentApp(), path, token ? { token: ADMIN_TOKEN } : {});

  it.each([
    // Pod names are known only once the environments run: each case computes its path and description then.
    [
      'an unknown environment',
      () => [logsPath(testPod, 'service1', 'projectKey=logs&envName=nope&tails=10'), 'environment "nope" not found'],
    ],
    [
      'a production environment asked for as a test one',
      () => [logsPath(prodPod, 'service1', 'projectKey=logs&envName=prod&tails=10'), 'environment "prod" not found'],
    ],
    [
      'an unknown pod',
      () => [
        logsPath('no-such-pod', 'service1', 'projectKey=logs&envName=dev&tails=10'),
        'pod "no-such-pod" not found',
      ],
    ],
    [
      'a pod of another environment’s namespace',
      () => [logsPath(prodPod, 'service1', 'projectKey=logs&envName=dev&tails=10'), `pod "${prodPod}" not found`],
    ],
    [
      'a container the pod does not have',
      () => [
        logsPath(testPod, 'sidecar', 'projectKey=logs&envName=dev&tails=10'),
        `container "${testPod}/sidecar" not found`,
      ],
    ],
    [
      'an unknown project',
      () => [logsPath(testPod, 'service1', 'projectKey=ghost&envName=dev&tails=10'), 'project "ghost" not found'],
    ],
  ])('%s is a 404 naming it', async (_, testCase) => {
    const [path, description] = testCase();
    const response = await refused(path!);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.json).toEqual({ code: 404, message: 'Not Found', description });
  });

  it.each([
    ['tails=-1', 'tails: must be a non-negative integer'],
    ['tails=ten', 'tails: must be a non-negative integer'],
    ['tails=1.5', 'tails: must be a non-negative integer'],
    ['tails=10001', 'tails: must be at most 10000'],
    ['tails=10&since=-5m', 'since: must be seconds (e.g. 300) or a duration (e.g. 5m, 1h30m)'],
    ['tails=10&since=yesterday', 'since: must be seconds (e.g. 300) or a duration (e.g. 5m, 1h30m)'],
    ['tails=10&production=yes', 'production: must be true or false'],
  ])('%s is a 400 naming the parameter', async (query, description) => {
    const response = await refused(logsPath(testPod, 'service1', `projectKey=logs&envName=dev&${query}`));
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ code: 400, message: 'Bad Request', description });
  });

  it('needs a token', async () => {
    const response = await refused(logsPath(testPod, 'service1', 'projectKey=logs&envName=dev&tails=10'), {
      token: false,
    });
    expect(response.status).toBe(401);
    expect(response.json).toMatchObject({ code: 401, message: 'Unauthorized' });
  });

  it('a cluster that does not answer is a 503 within the cluster timeout', async () => {
    const started = Date.now();
    const response = await refused(logsPath('any-pod', 'app', 'projectKey=logs&envName=hangs&tails=10'));
    expect(response.status).toBe(503);
    expect(response.json).toEqual({
      code: 503,
      message: 'Service Unavailable',
      description: `the cluster did not answer within ${CLUSTER_TIMEOUT_MS} ms`,
    });
    expect(Date.now() - started).toBeLessThan(CLUSTER_TIMEOUT_MS + 2000);
  });
});

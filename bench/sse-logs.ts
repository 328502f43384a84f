import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { serve } from '@hono/node-server';
import * as v from 'valibot';
import type { Principal } from '../core/auth/schemas.ts';
import { createKubeCluster } from '../core/cluster/kube-cluster.ts';
import { registerCluster } from '../core/clusters/register-cluster.ts';
import { createEnvironment } from '../core/environments/manage-environments.ts';
import { runOperation } from '../core/environments/run-operation.ts';
import { createProject } from '../core/projects/manage-projects.ts';
import { registerRegistry } from '../core/registries/register-registry.ts';
import { RegisterRegistryInput } from '../core/registries/schemas.ts';
import { createRawService } from '../core/services/create-service.ts';
import { createAppShell } from '../functions/http/app-shell.ts';
import { createRouter } from '../functions/http/contract.ts';
import type { LogLine } from '../functions/http/request-log.ts';
import { startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { ensureTable } from '../functions/local/ensure-table.ts';
import { createConnections } from '../functions/runtime/cluster.ts';
import { loadConfig } from '../functions/runtime/config.ts';
import { createAuthenticator, createCoreContext } from '../functions/runtime/core-context.ts';
import { renderZadigError } from '../functions/zadig/errors.ts';
import { mountLogRoutes } from '../functions/zadig-environment/log-routes.ts';
import { startLocalCluster } from '../scripts/local-cluster.ts';

const ADMIN = `bench-${randomBytes(8).toString('hex')}`;
const admin: Principal = { tokenId: 'bench', name: 'bench', role: 'admin', projects: undefined };
const FOLLOWERS = 20;

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const serviceYaml = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: talker}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: talker}}\n  template:\n    metadata: {labels: {app: talker}}\n    spec: {containers: [{name: main, image: "app:1.0"}]}\n`;

/** Reads an SSE response until a `message` event whose data satisfies `wanted`, then hangs up. */
async function firstMessage(response: Response, wanted: (data: string) => boolean): Promise<void> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended before the line arrived');
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith('event: message\n') && wanted(block.slice('event: message\ndata: '.length)))
        return void reader.cancel().catch(() => undefined);
    }
  }
}

/**
 * The followers run in a child process, so the server's memory is measured
 * alone: it opens `count` streams, says `connected` once every response
 * started, `ready` once every stream delivered the marker line, and hangs up
 * when its stdin closes.
 */
const FOLLOWER_SCRIPT = `
const { URL: url, TOKEN: token, COUNT: count, MARKER: marker } = process.env;
const streams = await Promise.all(Array.from({ length: Number(count) }, async () => {
  const hangUp = new AbortController();
  const response = await fetch(url, { headers: { authorization: 'Bearer ' + token }, signal: hangUp.signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const seen = (async () => {
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      text += value;
      if (text.includes(marker)) return;
      text = text.slice(-marker.length);
    }
  })();
  return { hangUp, seen };
}));
process.stdout.write('connected\\n');
await Promise.all(streams.map((stream) => stream.seen));
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => { for (const stream of streams) stream.hangUp.abort(); setTimeout(() => process.exit(0), 100); });
`;

/**
 * Issue 7's log figures on the local cluster (kwok serves the log): time from
 * request to the first `event: message` (auth, environment and pod checks,
 * the cluster's log connection), time from a line written to it arriving at a
 * connected client, and the server's memory for 20 concurrent followers.
 */
export async function measureSseLogs(): Promise<Array<[string, string]>> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const plane = await startLocalCluster({ dataDir: resolve(process.env['BERTH_DATA_DIR'] ?? '.berth') });
  const dynamo = await startDynamoDbLocal();
  const rows: Array<[string, string]> = [];
  const namespace = `bench-logs-${randomBytes(3).toString('hex')}`;
  const logs: Array<Record<string, unknown>> = [];
  const log: LogLine = (entry) => void logs.push(entry);
  let server: ReturnType<typeof serve> | undefined;
  try {
    process.env['AWS_ACCESS_KEY_ID'] ??= 'x';
    process.env['AWS_SECRET_ACCESS_KEY'] ??= 'x';
    const raw = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureTable(raw, 'bench-logs');
    raw.destroy();
    const config = loadConfig({
      BERTH_TABLE: 'bench-logs',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: 'local',
      BERTH_ADMIN_TOKEN: ADMIN,
      BERTH_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    });
    const ctx = createCoreContext(config);
    const connections = createConnections(ctx, config);
    const authenticate = createAuthenticator(ctx, config);

    await registerCluster({ ctx, input: { id: 'local', name: 'local', labels: {}, kubeconfig: plane.kubeconfig } });
    await registerRegistry({
      ctx,
      input: v.parse(RegisterRegistryInput, { id: 'hub', address: 'registry.example.com', namespace: 'bench' }),
    });
    await createProject({
      ctx,
      principal: admin,
      input: { key: 'bench', name: 'bench', description: '', isPublic: false, type: 'yaml' },
    });
    await createRawService({
      ctx,
      principal: admin,
      scope: 'test',
      projectKey: 'bench',
      input: { name: 'talker', yaml: serviceYaml, variables: [] },
    });
    const { operationId } = await createEnvironment({
      ctx,
      principal: admin,
      projectKey: 'bench',
      scope: 'test',
      input: {
        key: 'dev',
        clusterId: 'local',
        namespace,
        registryId: 'hub',
        globalVariables: [],
        services: [{ name: 'talker', containers: [], variables: [] }],
        configs: [],
      },
    });
    await runOperation({ ctx, connections, id: operationId });
    const cluster = await connections.get('local');
    let pod: string | undefined;
    for (
      const started = Date.now();
      !pod && Date.now() - started < 120_000;
      await new Promise((done) => setTimeout(done, 500))
    ) {
      pod = (await cluster.listPods(namespace)).find((item) => item.phase === 'Running')?.name;
    }
    if (!pod) throw new Error('the pod did not run within 2 minutes');
    // kwok answers a followed log only once its file has a line.
    await plane.appendLog(`bench ${namespace} start`);

    // A read-only route: no idempotency keys to keep.
    const app = createAppShell({ renderError: renderZadigError, ctx: null, log });
    mountLogRoutes(createRouter(app, { authenticate }), { ctx, connections, authenticate, log });
    server = await new Promise<ReturnType<typeof serve>>((done) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(started));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi/logs/sse/pods/${pod}/containers/main?projectKey=bench&envName=dev`;
    const open = (query: string) => fetch(`${base}&${query}`, { headers: { authorization: `Bearer ${ADMIN}` } });

    const firstSamples: number[] = [];
    for (let run = 0; run < 11; run++) {
      const started = performance.now();
      await firstMessage(await open('tails=1'), () => true);
      firstSamples.push(performance.now() - started);
    }
    rows.push([
      'SSE logs: request to first `event: message` (tails=1; auth, env and pod checks, log connection), median of 11',
      `${median(firstSamples).toFixed(1)} ms`,
    ]);

    const lineSamples: number[] = [];
    for (let run = 0; run < 11; run++) {
      const marker = `bench-line-${run}-${randomBytes(3).toString('hex')}`;
      const response = await open('tails=0');
      const arrived = firstMessage(response, (data) => data.includes(marker));
      // Give the log connection a moment to be established before writing.
      await new Promise((done) => setTimeout(done, 200));
      const started = performance.now();
      await plane.appendLog(marker);
      await arrived;
      lineSamples.push(performance.now() - started);
    }
    rows.push([
      'SSE logs: line appended to the file to its event at a connected client (through kwok), median of 11',
      `${median(lineSamples).toFixed(1)} ms`,
    ]);

    await new Promise((done) => setTimeout(done, 500));
    gc();
    const before = process.memoryUsage();
    const marker = `bench-followers-${randomBytes(3).toString('hex')}`;
    const followers = spawn(process.execPath, ['--input-type=module', '-e', FOLLOWER_SCRIPT], {
      env: { ...process.env, URL: `${base}&tails=0`, TOKEN: ADMIN, COUNT: String(FOLLOWERS), MARKER: marker },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const said = createInterface({ input: followers.stdout! })[Symbol.asyncIterator]();
    const expect = async (word: string) => {
      const { value } = await said.next();
      if (value !== word) throw new Error(`the followers said ${String(value)}, expected ${word}`);
    };
    await expect('connected');
    await new Promise((done) => setTimeout(done, 300));
    await plane.appendLog(marker);
    await expect('ready');
    gc();
    const during = process.memoryUsage();
    rows.push([
      `SSE logs: server memory for ${FOLLOWERS} concurrent followers (RSS delta; per follower)`,
      `${mb(during.rss - before.rss)}; ${((during.rss - before.rss) / FOLLOWERS / 1024).toFixed(0)} KB`,
    ]);
    rows.push([
      `SSE logs: server heap for ${FOLLOWERS} concurrent followers (heapUsed delta after GC; per follower)`,
      `${mb(during.heapUsed - before.heapUsed)}; ${((during.heapUsed - before.heapUsed) / FOLLOWERS / 1024).toFixed(0)} KB`,
    ]);

    const endedBefore = logs.filter((entry) => entry['msg'] === 'log stream ended').length;
    const hungUp = performance.now();
    followers.stdin!.end();
    const gone = () =>
      logs.filter((entry) => entry['msg'] === 'log stream ended' && entry['reason'] === 'client-gone').length -
      endedBefore;
    while (gone() < FOLLOWERS && performance.now() - hungUp < 10_000) await new Promise((done) => setTimeout(done, 10));
    rows.push([
      `SSE logs: ${FOLLOWERS} clients hang up to every server stream and cluster request ended`,
      gone() === FOLLOWERS ? `${(performance.now() - hungUp).toFixed(0)} ms` : `only ${gone()} ended within 10 s`,
    ]);
  } finally {
    if (server) {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((done) => server!.close(() => done()));
    }
    const cluster = createKubeCluster(plane.kubeconfig, { timeoutMs: 30_000 });
    await cluster.deleteNamespace(namespace);
    await cluster.close();
    await dynamo.stop();
  }
  return rows;
}

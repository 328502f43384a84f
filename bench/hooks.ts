import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { registerCluster } from '../core/clusters/register-cluster.ts';
import type { StageItem } from '../core/hooks/deliveries.ts';
import type { HookSpec } from '../core/hooks/hook-item.ts';
import { createHook } from '../core/hooks/manage-hooks.ts';
import { signDelivery } from '../core/hooks/signatures.ts';
import { hookKeys } from '../core/store/keys.ts';
import { createHooksApp } from '../functions/hooks/app.ts';
import { freePort, startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { ensureTable } from '../functions/local/ensure-table.ts';
import { startStreamPoller } from '../functions/local/stream-poller.ts';
import { createConnections } from '../functions/runtime/cluster.ts';
import { loadConfig } from '../functions/runtime/config.ts';
import { createCoreContext } from '../functions/runtime/core-context.ts';
import { handleRecords } from '../functions/worker/handle-records.ts';
import { startLocalCluster } from '../scripts/local-cluster.ts';
import { pushTinyImage, startOciRegistry } from '../test/support/oci-registry.ts';

const THROUGHPUT_SECONDS = Number(process.env['BERTH_BENCH_HOOK_SECONDS'] ?? 5);
const CONCURRENCY = Number(process.env['BERTH_BENCH_HOOK_CONCURRENCY'] ?? 16);
const noLimit = { take: () => 0 };

/** A context on a fresh table of a running DynamoDB Local. */
async function contextOn(endpoint: string, tableName: string) {
  const { streamArn } = await ensureTable(new DynamoDBClient({ endpoint, region: 'local' }), tableName);
  const config = loadConfig({
    BERTH_TABLE: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'local',
    BERTH_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    BERTH_LOCAL_MODE: 'true',
  });
  return { ctx: createCoreContext(config), config, streamArn };
}

const hookOn = (image: string, targets: HookSpec['targets'], source: HookSpec['source']): HookSpec => ({
  name: 'bench',
  source,
  auth: source === 'distribution' ? 'authorization' : 'hmac',
  image,
  policy: { type: 'semver', allowPrerelease: false },
  allowTags: [],
  ignoreTags: [],
  write: 'tag@digest',
  targets,
  allowDowngrade: false,
  dryRun: false,
  healthTimeoutSeconds: 120,
  rateLimitPerMinute: 6000,
  maxEventAgeSeconds: 3600,
});

/** Requests answered per second by `fetch`, CONCURRENCY at a time, for THROUGHPUT_SECONDS; `request(n)` builds the n-th. */
async function perSecond(
  fetch: (request: Request) => Response | Promise<Response>,
  request: (n: number) => Request,
  expected: number,
): Promise<{ rate: number; errors: number }> {
  const until = performance.now() + THROUGHPUT_SECONDS * 1000;
  let next = 0;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const response = await fetch(request(next++));
        await response.arrayBuffer();
        if (response.status === expected) done++;
        else errors++;
      }
    }),
  );
  return { rate: done / ((performance.now() - started) / 1000), errors };
}

/**
 * Issue 15 figures. Deliveries per second accepted by the hooks app in this
 * process (signature, normalisation, policy, the conditional transaction
 * recording each delivery in DynamoDB Local; the per-hook rate limit off),
 * against a bare Hono handler that only reads the body. Then a registry push
 * to running pods: Debian's registry notifies the hooks app (on loopback,
 * over HTTP), the stream worker rolls a Deployment on the local control
 * plane; the time is split into delivery (push done → delivery recorded),
 * plan (→ plan stage) and rollout (→ every replica updated and available).
 */
export async function measureHooks(): Promise<Array<[string, string]>> {
  const rows: Array<[string, string]> = [];
  // DynamoDB Local accepts any credentials; the SDK clients the runtime builds still insist on having some.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  const dynamo = await startDynamoDbLocal();
  try {
    const bare = new Hono();
    bare.post('/hooks/:hookId', async (c) => {
      await c.req.arrayBuffer();
      return c.body(null, 202);
    });
    const { ctx } = await contextOn(dynamo.endpoint, `bench-hooks-${randomBytes(3).toString('hex')}`);
    // No worker runs on this table: the accepted deliveries are recorded and never rolled out.
    const target = {
      kind: 'k8s-service-deployment',
      cluster: 'none',
      namespace: 'none',
      deployment: 'web',
      container: 'web',
    } as const;
    const { hook, secret } = await createHook({
      ctx,
      input: hookOn('registry.example.com/bench/web', [target], 'generic'),
    });
    const app = createHooksApp({ ctx, log: () => {}, limiter: noLimit });
    const delivery = (n: number) => {
      const body = Buffer.from(
        JSON.stringify({
          image: 'registry.example.com/bench/web',
          tag: `1.0.${n}`,
          digest: `sha256:${'a'.repeat(64)}`,
        }),
      );
      const headers = signDelivery({ scheme: 'hmac', secret, body, id: String(n), now: new Date() });
      return new Request(`http://bench/hooks/${hook.id}`, { method: 'POST', headers, body });
    };
    const hooks = await perSecond(app.fetch, delivery, 202);
    const plain = await perSecond(bare.fetch, delivery, 202);
    rows.push([
      `hooks app: deliveries accepted per second (${CONCURRENCY} concurrent, one process)`,
      hooks.rate.toFixed(0),
    ]);
    rows.push(['bare Hono handler reading the body: requests per second', plain.rate.toFixed(0)]);
    rows.push(['hooks app / bare Hono', `${(hooks.rate / plain.rate).toFixed(3)}x`]);
    if (hooks.errors + plain.errors > 0) rows.push(['unexpected answers', String(hooks.errors + plain.errors)]);
    // What bounds the hooks app here: each delivery is one GetItem (the hook) and one TransactWriteItems.
    const started = performance.now();
    for (let index = 0; index < 20; index++) await ctx.store.get(hookKeys.hook(hook.id));
    rows.push([
      'DynamoDB Local: one GetItem round trip (mean of 20)',
      `${((performance.now() - started) / 20).toFixed(1)} ms`,
    ]);
    rows.push(...(await pushToPods(dynamo.endpoint)));
  } finally {
    await dynamo.stop();
  }
  return rows;
}

async function pushToPods(endpoint: string): Promise<Array<[string, string]>> {
  const kubeconfigPath = process.env['BERTH_BENCH_KUBECONFIG'];
  const kubeconfig = kubeconfigPath
    ? await readFile(kubeconfigPath, 'utf8')
    : (await startLocalCluster({ dataDir: resolve(process.env['BERTH_DATA_DIR'] ?? '.berth') })).kubeconfig;
  const { ctx, config, streamArn } = await contextOn(endpoint, `bench-push-${randomBytes(3).toString('hex')}`);
  const connections = createConnections(ctx, config);
  await registerCluster({ ctx, input: { id: 'bench', name: 'bench', labels: {}, kubeconfig } });
  const cluster = await connections.get('bench');
  const namespace = `bench-hooks-${randomBytes(3).toString('hex')}`;
  const app = createHooksApp({ ctx, log: () => {}, limiter: noLimit });
  const server = await new Promise<ReturnType<typeof serve>>((done) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => done(started));
  });
  const poller = await startStreamPoller({
    client: new DynamoDBStreamsClient({ endpoint, region: 'local' }),
    streamArn,
    intervalMs: 100,
    onRecords: (records) => handleRecords(records, { ctx, connections, outbound: { allowLoopback: true } }),
    onError: (error) => console.error(`stream worker: ${String(error)}`),
  });
  let registry: Awaited<ReturnType<typeof startOciRegistry>> | undefined;
  try {
    await cluster.ensureNamespace(namespace);
    const registryPort = await freePort();
    const image = `127.0.0.1:${registryPort}/bench/web`;
    await cluster.apply([deploymentOf(image)], { namespace });
    await until(async () => {
      const workload = await cluster.getWorkload('Deployment', namespace, 'web');
      return workload.readyReplicas === 2;
    });
    const target = {
      kind: 'k8s-service-deployment',
      cluster: 'bench',
      namespace,
      deployment: 'web',
      container: 'web',
    } as const;
    const { hook, secret } = await createHook({ ctx, input: hookOn(image, [target], 'distribution') });
    const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/${hook.id}`;
    registry = await startOciRegistry({
      port: registryPort,
      extraConfig: [
        `notifications: {endpoints: [{name: berth, url: "${hookUrl}", headers: {Authorization: ["Bearer ${secret}"]}, timeout: 2s, threshold: 3, backoff: 1s}]}`,
      ],
    });
    const pushStarted = Date.now();
    await pushTinyImage(registry, 'bench/web', '1.1.0');
    const pushed = Date.now();
    const stages = await until(async () => {
      const deliveries = await ctx.store.listAll<{ recordId: string; verdict: string; receivedAt: string }>(
        hookKeys.deliveries(hook.id),
      );
      const accepted = deliveries.find((delivery) => delivery.verdict === 'accepted');
      if (!accepted) return undefined;
      const recorded = await ctx.store.listAll<StageItem>(hookKeys.stages(hook.id, accepted.recordId));
      const at = (stage: StageItem['stage']) => recorded.find((entry) => entry.stage === stage)?.at;
      const plan = at('plan');
      const health = at('health');
      return plan && health ? { received: accepted.receivedAt, plan, health } : undefined;
    });
    const ms = (from: number, to: string) => `${Date.parse(to) - from} ms`;
    return [
      ['push: the registry push itself (blobs and manifest)', `${pushed - pushStarted} ms`],
      ['push → running pods (2 replicas, every one updated and available)', ms(pushed, stages.health)],
      ['… delivery: push done → delivery recorded', ms(pushed, stages.received)],
      [
        '… plan: delivery recorded → plan stage (stream, lease, current image, policy)',
        ms(Date.parse(stages.received), stages.plan),
      ],
      ['… rollout: plan → health gate passed', ms(Date.parse(stages.plan), stages.health)],
    ];
  } finally {
    await registry?.stop();
    await poller.stop();
    await new Promise((done) => server.close(done));
    await cluster.deleteNamespace(namespace).catch(() => undefined);
  }
}

function deploymentOf(image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: `${image}:1.0.0` }] },
      },
    },
  };
}

/** Polls `check` until it answers (truthy), for two minutes. */
async function until<T>(check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('not reached within 2 minutes');
    await new Promise((done) => setTimeout(done, 100));
  }
}

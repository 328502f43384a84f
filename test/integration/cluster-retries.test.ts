import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { KubeCluster } from '../../core/cluster/gateway.ts';
import { createKubeCluster } from '../../core/cluster/kube-cluster.ts';
import type { ClusterRetry } from '../../core/cluster/retry-policy.ts';
import { UnavailableError } from '../../core/errors.ts';
import { freePort } from '../../functions/local/dynamodb-local.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { createNamespace, kube } from '../support/kube.ts';
import { kubeconfigFor } from '../support/kubeconfigs.ts';
import { startPushbackProxy, type PushbackProxy } from '../support/pushback-proxy.ts';

const TIMEOUT_MS = 4000;

let proxy: PushbackProxy;
let namespace: { name: string; remove(): Promise<void> };
let cluster: KubeCluster;
let retries: ClusterRetry[];

beforeAll(async () => {
  namespace = await createNamespace('retries');
  proxy = await startPushbackProxy(inject('kubeconfig'));
});
afterAll(async () => {
  await proxy.close();
  await namespace.remove();
});
beforeEach(() => {
  retries = [];
  cluster = createKubeCluster(proxy.kubeconfig, { timeoutMs: TIMEOUT_MS, onRetry: (retry) => retries.push(retry) });
});
afterEach(() => cluster.close());

const sent = (request: string) => proxy.received.filter((line) => line === request).length;
const elapsed = async <T>(run: () => Promise<T>) => {
  const started = performance.now();
  const result = await run().catch((error: unknown) => error);
  return { result, ms: performance.now() - started };
};

describe('pushback (429 and 503 with Retry-After)', () => {
  it('waits as asked and retries a read, counting each retry', async () => {
    const path = `/api/v1/namespaces/${namespace.name}`;
    proxy.disturb('GET', new RegExp(`^${path}$`), 2, { answer: 429, retryAfterSeconds: 1 });
    const before = sent(`GET ${path}`);

    const { result, ms } = await elapsed(() => cluster.namespaceExists(namespace.name));

    expect(result).toBe(true);
    expect(sent(`GET ${path}`) - before).toBe(3);
    expect(retries.map((retry) => `${retry.reason} ${retry.delayMs}`)).toEqual([
      'retry-after 1000',
      'retry-after 1000',
    ]);
    expect(ms).toBeGreaterThanOrEqual(2000);
  });

  it('retries a server-side apply refused with 429, and the object is applied once', async () => {
    const path = `/api/v1/namespaces/${namespace.name}/configmaps/pushed-back`;
    proxy.disturb('PATCH', new RegExp(`^${path}\\?`), 1, { answer: 429, retryAfterSeconds: 1 });

    const [result] = await cluster.apply(
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pushed-back' }, data: { mode: 'fast' } }],
      { namespace: namespace.name },
    );

    expect(result).toMatchObject({ outcome: 'applied' });
    expect(retries).toHaveLength(1);
    const stored = await kube().core.readNamespacedConfigMap({ name: 'pushed-back', namespace: namespace.name });
    expect(stored.data).toEqual({ mode: 'fast' });
  });

  it('fails at once with Unavailable when the server asks for a wait past the deadline', async () => {
    const path = `/api/v1/namespaces/${namespace.name}/pods`;
    proxy.disturb('GET', new RegExp(`^${path}`), 1, { answer: 429, retryAfterSeconds: 30 });

    const { result, ms } = await elapsed(() => cluster.listPods(namespace.name));

    expect(result).toBeInstanceOf(UnavailableError);
    expect((result as Error).message).toBe(
      `the cluster answered 429: storage is (re)initializing (it asked to be retried in 30 s, past this call's ${TIMEOUT_MS} ms deadline)`,
    );
    expect(ms).toBeLessThan(1000);
    expect(retries).toEqual([]);
  });

  it('sends a write that is not idempotent once, even when a 503 asks for a retry', async () => {
    const path = `/api/v1/namespaces/${namespace.name}/pods/absent`;
    proxy.disturb('DELETE', new RegExp(`^${path}`), 1, { answer: 503, retryAfterSeconds: 1 });

    const { result } = await elapsed(() => cluster.deletePod(namespace.name, 'absent'));

    expect(result).toBeInstanceOf(UnavailableError);
    expect((result as Error).message).toBe('the cluster answered 503: the server is shutting down');
    expect(sent(`DELETE ${path}`)).toBe(1);
    expect(retries).toEqual([]);
  });
});

describe('connections reset mid-request', () => {
  it('retries a read after a jittered backoff', async () => {
    const path = `/api/v1/namespaces/${namespace.name}/services`;
    proxy.disturb('GET', new RegExp(`^${path}`), 2, { answer: 'reset' });

    const services = await cluster.listServices(namespace.name);

    expect(services).toEqual([]);
    expect(sent(`GET ${path}`)).toBe(3);
    expect(retries.map((retry) => retry.reason)).toEqual(['connection-lost', 'connection-lost']);
    // Equal jitter on a doubling step: 50-100 ms, then 100-200 ms.
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(50);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(100);
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(100);
    expect(retries[1]!.delayMs).toBeLessThanOrEqual(200);
  });

  it('does not send a create again: the first copy may have arrived', async () => {
    const name = `${namespace.name}-reset`;
    proxy.disturb('POST', /^\/api\/v1\/namespaces(\?|$)/, 1, { answer: 'reset' });
    const before = sent('POST /api/v1/namespaces');

    const { result } = await elapsed(() => cluster.ensureNamespace(name));

    expect(result).toBeInstanceOf(UnavailableError);
    expect(sent('POST /api/v1/namespaces') - before).toBe(1);
    expect(retries).toEqual([]);
    expect(await cluster.namespaceExists(name)).toBe(false);
  });
});

describe('a server not listening yet (an API server restarting)', () => {
  it('retries even a create until it listens: a refused connection sent nothing', async () => {
    const port = await freePort();
    const restarting = createKubeCluster(kubeconfigFor({ server: `http://127.0.0.1:${port}` }), {
      timeoutMs: TIMEOUT_MS,
      onRetry: (retry) => retries.push(retry),
    });
    const name = `${namespace.name}-late`;
    let late: PushbackProxy | undefined;
    try {
      const creating = restarting.ensureNamespace(name);
      await sleep(1000);
      late = await startPushbackProxy(inject('kubeconfig'), { port });

      expect(await creating).toEqual({ created: true });
      expect(retries.length).toBeGreaterThan(0);
      expect(new Set(retries.map((retry) => retry.reason))).toEqual(new Set(['connection-refused']));
      expect(late.received.filter((line) => line === 'POST /api/v1/namespaces')).toHaveLength(1);
    } finally {
      await restarting.close();
      await late?.close();
      await kube()
        .core.deleteNamespace({ name })
        .catch(() => undefined);
    }
  });

  it('gives up within the deadline when nothing ever listens', async () => {
    const silent = kubeconfigFor({ server: `http://127.0.0.1:${await freePort()}` });
    const { result, ms } = await elapsed(() =>
      createKubeCluster(silent, { timeoutMs: 1500, onRetry: (retry) => retries.push(retry) }).listPods('default'),
    );
    expect(result).toBeInstanceOf(UnavailableError);
    expect((result as Error).message).toBe('the cluster is unreachable: ECONNREFUSED');
    expect(ms).toBeLessThan(1500);
    expect(retries.length).toBeGreaterThan(2);
  });
});

describe('retries in the request log', () => {
  let berth: Harness;
  beforeAll(async () => {
    berth = await createHarness({ clusterTimeoutMs: TIMEOUT_MS });
    await call(berth.apps.admin, '/admin/clusters', {
      token: ADMIN_TOKEN,
      json: { id: 'pushed', name: 'behind a proxy', kubeconfig: proxy.kubeconfig },
    });
  });
  afterAll(() => berth.close());

  const health = async () => {
    const response = await call(berth.apps.admin, '/admin/clusters/pushed/health', { token: ADMIN_TOKEN });
    const line = berth.logs.findLast((entry) => entry['path'] === '/admin/clusters/pushed/health');
    return { response, line };
  };

  it('answers once the server lets the call through, and the log line counts the retries', async () => {
    proxy.disturb('GET', /^\/version/, 2, { answer: 429, retryAfterSeconds: 1 });

    const { response, line } = await health();

    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: 'pushed', status: 'ok' });
    expect(line).toMatchObject({ status: 200, cluster_retries: 2 });
  });

  it('answers 503 at once when the server asks for a wait past the deadline', async () => {
    proxy.disturb('GET', /^\/version/, 1, { answer: 429, retryAfterSeconds: 60 });

    const started = performance.now();
    const { response, line } = await health();

    expect(performance.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(503);
    expect(response.text).toContain('asked to be retried in 60 s');
    expect(line).toMatchObject({ status: 503 });
    expect(line).not.toHaveProperty('cluster_retries');
  });
});

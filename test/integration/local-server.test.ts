import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startLocalBerth, type LocalBerth } from '../../functions/local/server.ts';
import { eventually } from '../support/harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'berth-local-'));
const kubeconfigPath = join(dataDir, 'kubeconfig.yaml');
writeFileSync(kubeconfigPath, inject('kubeconfig'));
const env = { BERTH_DATA_DIR: dataDir, PORT: '0', KUBECONFIG: kubeconfigPath, BERTH_SCHEDULE_INTERVAL_MS: '500' };
let berth: LocalBerth | undefined;
afterAll(async () => {
  await berth?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const call = (path: string, init: RequestInit = {}) =>
  fetch(`${berth!.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${berth!.adminToken}`, 'content-type': 'application/json', ...init.headers },
  });

describe('npm start (the local server)', () => {
  it('serves every group on one port, registers KUBECONFIG as cluster default, and runs the stream workers', async () => {
    berth = await startLocalBerth(env, () => {});
    expect(await (await fetch(`${berth.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${berth.url}/openapi.json`)).status).toBe(200);
    expect((await call('/v1/k8sservice/test')).status).toBe(200);
    expect((await call('/openapi/service/yaml/services?projectKey=none')).status).toBe(404);
    expect(berth.notes).toContain(`cluster "default" registered from ${kubeconfigPath}`);
    // The probe runs from the table's stream, as on AWS.
    const cluster = await eventually(async () => {
      const found = (await (await call('/admin/clusters/default')).json()) as { status: string };
      return found.status === 'ready' ? found : undefined;
    });
    expect(cluster).toMatchObject({ id: 'default', status: 'ready' });
    // Where the stream workers resume after a restart; kept out of the table, whose writes would feed the stream.
    // Saved once the batch is handled, which may be after the probe wrote `ready`.
    const checkpoint = join(dataDir, 'stream-checkpoint.json');
    expect(await eventually(async () => existsSync(checkpoint) || undefined)).toBe(true);
  });

  it('answers /healthz with a request id, the caller’s own when it sent a sane one', async () => {
    const health = await fetch(`${berth!.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const traced = await fetch(`${berth!.url}/healthz`, { headers: { 'x-request-id': 'probe-42' } });
    expect(traced.headers.get('x-request-id')).toBe('probe-42');
  });

  it('keeps its data, its admin token and its encryption key across a restart', async () => {
    const created = (await (
      await call('/admin/tokens', { method: 'POST', body: JSON.stringify({ name: 'kept', role: 'user' }) })
    ).json()) as { token: string };
    const adminToken = berth!.adminToken;
    await berth!.stop();
    berth = await startLocalBerth(env, () => {});
    expect(berth.adminToken).toBe(adminToken);
    expect(berth.notes).toContain(`cluster "default" unchanged from ${kubeconfigPath}`);
    const listed = await fetch(`${berth.url}/admin/tokens`, { headers: { authorization: `Bearer ${created.token}` } });
    expect(listed.status).toBe(403); // the token still authenticates (a user token, so not for admin routes)
    expect((await call('/admin/clusters/default/health')).status).toBe(200); // the kubeconfig still decrypts
  });

  it('runs the scheduled jobs: an expired order loses its pod without anyone asking', async () => {
    expect(berth!.notes).toContain('scheduled jobs every 0.5 s');
    const created = await call('/admin/vkube/orders', {
      method: 'POST',
      body: JSON.stringify({ duration: 6, region: 'cn-south', serviceOptions: { resourceUnit: '1-Unit-Resource' } }),
    });
    const order = (await created.json()) as { id: string; secret: string };
    expect(created.status).toBe(201);
    const deployed = await fetch(`${berth!.url}/api/v1/k8s/deploy`, {
      method: 'POST',
      headers: { secret: order.secret, 'content-type': 'application/json' },
      body: JSON.stringify({
        nodeSelector: { region: 'cn-south' },
        containers: [{ name: 'app', imageName: 'nginx', resource: { memory: '64Mi' } }],
      }),
    });
    expect(deployed.status).toBe(200);
    const swept = await eventually(async () => {
      const { items } = (await (await call('/admin/vkube/orders')).json()) as {
        items: Array<{ id: string; podRemovedAt: string | null }>;
      };
      return items.find((item) => item.id === order.id && item.podRemovedAt !== null);
    });
    expect(swept.podRemovedAt).toEqual(expect.any(String));
    expect((await call(`/admin/vkube/orders/${order.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

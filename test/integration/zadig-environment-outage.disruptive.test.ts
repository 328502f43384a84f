import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube, localControlPlane } from '../support/kube.ts';
import { UNREACHABLE_SERVER, kubeconfigFor } from '../support/kubeconfigs.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { stringAt } from '../support/json.ts';

let berth: Harness;
const namespace = `outage-${randomBytes(3).toString('hex')}`;
const { zadig, settled } = environmentClient(() => berth);

beforeAll(async () => {
  berth = await createHarness({ clusterTimeoutMs: 3000 });
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, 'shop');
});
afterAll(async () => {
  await kube()
    .core.deleteNamespace({ name: namespace })
    .catch(() => undefined);
  await berth.close();
});

describe('an apply while the API server is down', () => {
  it('fails with the reason, and a retry once it is back converges', async () => {
    const plane = await localControlPlane();
    const restore = async () => {
      if (plane) await plane.startApiServer();
      else
        await call(berth.apps.admin, '/admin/clusters/local', {
          method: 'PATCH',
          token: ADMIN_TOKEN,
          json: { kubeconfig: (await import('vitest')).inject('kubeconfig') },
        });
    };
    if (plane) await plane.stopApiServer();
    // On an external cluster (BERTH_TEST_KUBECONFIG) the outage is simulated from Berth's side.
    else
      await call(berth.apps.admin, '/admin/clusters/local', {
        method: 'PATCH',
        token: ADMIN_TOKEN,
        json: { kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }) },
      });

    let failedId: string;
    try {
      const created = await zadig('/openapi/environments?projectKey=shop', {
        json: {
          env_key: 'dev',
          cluster_id: 'local',
          namespace,
          registry_id: 'harbor',
          services: [{ service_name: 'service1' }, { service_name: 'service2' }],
          env_configs: [
            {
              common_env_cfg_type: 'ConfigMap',
              yaml_data: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n',
            },
          ],
        },
      });
      expect(created.status).toBe(200);
      failedId = stringAt(created.json, 'operation_id');
      const failed = await settled(failedId);
      expect(failed).toMatchObject({ state: 'failed', error: expect.stringMatching(/unreachable|did not answer/) });
      expect((await zadig('/openapi/environments/dev?projectKey=shop')).json).toMatchObject({
        status: 'failed',
        status_message: failed.error,
      });

      // An environment whose creation failed takes only a retry: another change would hide that its services never were applied.
      const update = await zadig('/openapi/environments/dev/services?projectKey=shop', {
        method: 'PUT',
        json: { service_list: [{ service_name: 'service1', variable_kvs: [{ key: 'cpu', value: '7m' }] }] },
      });
      expect(update.status).toBe(409);
      expect(stringAt(update.json, 'description')).toBe(
        `environment "dev" was never created; retry operation ${failedId} first`,
      );
    } finally {
      await restore();
    }

    const retried = await zadig(`/openapi/operations/${failedId!}/retry`, { method: 'POST' });
    expect(retried.json).toEqual({ message: 'success', operation_id: expect.any(String) });
    expect(await settled(stringAt(retried.json, 'operation_id'))).toMatchObject({
      kind: 'create-environment',
      state: 'success',
      retry_of: failedId!,
    });
    expect((await zadig('/openapi/environments?projectKey=shop')).json).toEqual([
      expect.objectContaining({ env_key: 'dev', status: 'success' }),
    ]);
    const deployments = (await kube().apps.listNamespacedDeployment({ namespace })).items;
    expect(deployments.map((deployment) => deployment.metadata?.name).sort()).toEqual(['service1', 'service2']);
    // The creation's configuration came along with the retry.
    expect((await kube().core.readNamespacedConfigMap({ name: 'settings', namespace })).data).toEqual({ mode: 'fast' });

    const again = await zadig(`/openapi/operations/${failedId!}/retry`, { method: 'POST' });
    expect(again.status).toBe(409); // only the latest operation can be retried, and only when it failed
  });
});

/**
 * The API server stopped and started again while Berth is in the middle of
 * a scale, a rollout restart and an environment apply: each rides out the
 * restart within its deadline (refused connections while the server is down,
 * 429s while its storage initializes), and the user sees plain success.
 * Only on the local control plane, the one the tests can restart.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalCluster } from '../../scripts/local-cluster.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { kube, localControlPlane, runningPods } from '../support/kube.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { stringAt } from '../support/json.ts';

/** Long enough for the restart (the server listens again after a few seconds), as an operator would set it. */
const CLUSTER_TIMEOUT_MS = 30_000;
/** How long the server stays down once Berth's calls are under way. */
const OUTAGE_MS = 1500;

let berth: Harness;
let plane: LocalCluster;
const namespace = `restart-${randomBytes(3).toString('hex')}`;
const { zadig, settled } = environmentClient(() => berth);

describe.runIf(inject('clusterDataDir') !== null)('the API server restarted mid-call', () => {
  beforeAll(async () => {
    plane = (await localControlPlane())!;
    berth = await createHarness({ clusterTimeoutMs: CLUSTER_TIMEOUT_MS });
    await berth.startWorkers();
    await seedEnvironmentWorld(berth, 'blip');
    const env = await zadig('/openapi/environments?projectKey=blip', {
      json: {
        env_key: 'dev',
        cluster_id: 'local',
        namespace,
        registry_id: 'harbor',
        services: [{ service_name: 'service1' }],
      },
    });
    expect((await settled(stringAt(env.json, 'operation_id'))).state).toBe('success');
    await runningPods(namespace, 'app=service1', 1);
  });
  afterAll(async () => {
    await kube()
      .core.deleteNamespace({ name: namespace })
      .catch(() => undefined);
    await berth?.close();
  });

  /** Stops the API server, starts `calls`, brings the server back, and returns what the calls answered. */
  async function acrossRestart<T>(calls: () => Promise<T>): Promise<T> {
    await plane.stopApiServer();
    let answered: Promise<T>;
    try {
      answered = calls();
      await sleep(OUTAGE_MS);
    } finally {
      await plane.startApiServer();
    }
    return answered;
  }

  const retriesLogged = (path: string) =>
    berth.logs
      .filter((entry) => entry['path'] === path)
      .reduce((sum, entry) => sum + Number(entry['cluster_retries'] ?? 0), 0);

  it('a scale and a rollout restart sent while it is down succeed once it is back', async () => {
    const restartPath = '/openapi/environments/dev/service/service1/restart';
    const [scaled, restarted] = await acrossRestart(() =>
      Promise.all([
        zadig('/openapi/environments/scale', {
          json: {
            project_key: 'blip',
            env_key: 'dev',
            workload_name: 'service1',
            workload_type: 'Deployment',
            target_replicas: 2,
          },
        }),
        zadig(`${restartPath}?projectKey=blip`, { method: 'POST' }),
      ]),
    );

    expect(scaled.json).toEqual({ message: 'success' });
    expect(restarted.json).toEqual({ message: 'success' });
    const deployment = await kube().apps.readNamespacedDeployment({ name: 'service1', namespace });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toEqual(
      expect.any(String),
    );
    expect(retriesLogged('/openapi/environments/scale')).toBeGreaterThan(0);
    expect(retriesLogged(restartPath)).toBeGreaterThan(0);
  });

  it('an environment change the worker applies while it is down succeeds without a user retry', async () => {
    const changed = await acrossRestart(async () => {
      const accepted = await zadig('/openapi/environments/dev/services?projectKey=blip', {
        method: 'PUT',
        json: { service_list: [{ service_name: 'service1', variable_kvs: [{ key: 'cpu', value: '7m' }] }] },
      });
      expect(accepted.status).toBe(200);
      return stringAt(accepted.json, 'operation_id');
    });

    expect(await settled(changed)).toMatchObject({ state: 'success', error: null });
    const deployment = await kube().apps.readNamespacedDeployment({ name: 'service1', namespace });
    expect(deployment.spec?.template.spec?.containers[0]?.resources?.requests).toEqual({ cpu: '7m' });
  });
});

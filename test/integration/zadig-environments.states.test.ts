import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOperation } from '../../core/environments/run-operation.ts';
import { keys } from '../../core/store/keys.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube } from '../support/kube.ts';
import { UNREACHABLE_SERVER, kubeconfigFor } from '../support/kubeconfigs.ts';
import { seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { at, stringAt } from '../support/json.ts';

// No stream worker here: each operation waits until the test runs it, so states are exact, not raced.
let berth: Harness;
const suffix = randomBytes(3).toString('hex');
const namespaces = { dev: `states-dev-${suffix}`, kept: `states-kept-${suffix}`, orphan: `states-orphan-${suffix}` };
const zadig = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps['zadig-environment'], path, { token: ADMIN_TOKEN, ...options });
const run = (id: string) => runOperation({ ctx: berth.ctx, connections: berth.connections, id });
const SECRET_VALUE = 'very-secret-database-password';
const secretConfig = {
  common_env_cfg_type: 'Secret',
  yaml_data: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${SECRET_VALUE}\n`,
};

beforeAll(async () => {
  berth = await createHarness({ clusterTimeoutMs: 2000 });
  await seedEnvironmentWorld(berth, 'shop');
  await call(berth.apps.admin, '/admin/clusters', {
    token: ADMIN_TOKEN,
    json: { id: 'gone', name: 'gone', kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }) },
  });
});
afterAll(async () => {
  for (const name of Object.values(namespaces))
    await kube()
      .core.deleteNamespace({ name })
      .catch(() => undefined);
  await berth.close();
});

describe('while an operation runs', () => {
  let operationId: string;
  it('keeps a Secret configuration’s values sealed in the recorded operation', async () => {
    const created = await zadig('/openapi/environments?projectKey=shop', {
      json: {
        env_key: 'dev',
        cluster_id: 'local',
        namespace: namespaces.dev,
        registry_id: 'harbor',
        services: [{ service_name: 'service1' }],
        env_configs: [secretConfig],
      },
    });
    operationId = stringAt(created.json, 'operation_id');
    const stored = JSON.stringify(await berth.rawItem(keys.operation(operationId)));
    expect(stored).not.toContain(SECRET_VALUE);
    expect(stored).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
  });

  it.each([
    [
      'a change applied by the worker',
      () =>
        zadig('/openapi/environments/service/yaml?projectKey=shop', {
          json: { env_key: 'dev', service_list: [{ service_name: 'service2' }] },
        }),
    ],
    [
      'a scale',
      () =>
        zadig('/openapi/environments/scale', {
          json: {
            project_key: 'shop',
            env_key: 'dev',
            workload_name: 'service1',
            workload_type: 'Deployment',
            target_replicas: 2,
          },
        }),
    ],
    [
      'a restart',
      () => zadig('/openapi/environments/dev/service/service1/restart?projectKey=shop', { method: 'POST' }),
    ],
    [
      'a configuration',
      () =>
        zadig('/openapi/environments/dev/envcfgs?projectKey=shop', {
          json: {
            common_env_cfg_type: 'ConfigMap',
            yaml_data: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
          },
        }),
    ],
  ])('refuses %s with a 409 naming the operation', async (_, request) => {
    const response = await request();
    expect(response.status).toBe(409);
    expect(stringAt(response.json, 'description')).toContain(`is creating (operation ${operationId})`);
  });

  it('applies the Secret once the operation runs', async () => {
    await run(operationId);
    const secret = await kube().core.readNamespacedSecret({ name: 'db', namespace: namespaces.dev });
    expect(Buffer.from(secret.data!['password']!, 'base64').toString()).toBe(SECRET_VALUE);
    expect(at((await zadig('/openapi/environments?projectKey=shop')).json, 0)).toMatchObject({
      env_key: 'dev',
      status: 'success',
    });
  });
});

describe('an environment whose creation failed', () => {
  it('takes no other change until the creation is retried', async () => {
    const created = await zadig('/openapi/environments?projectKey=shop', {
      json: {
        env_key: 'broken',
        cluster_id: 'gone',
        namespace: 'broken',
        registry_id: 'harbor',
        services: [{ service_name: 'service1' }],
      },
    });
    await run(stringAt(created.json, 'operation_id'));
    expect((await zadig(`/openapi/operations/${stringAt(created.json, 'operation_id')}`)).json).toMatchObject({
      state: 'failed',
    });
    const change = await zadig('/openapi/environments/broken/services?projectKey=shop', {
      method: 'PUT',
      json: { service_list: [{ service_name: 'service1' }] },
    });
    expect(change.status).toBe(409);
    expect(stringAt(change.json, 'description')).toBe(
      `environment "broken" was never created; retry operation ${stringAt(created.json, 'operation_id')} first`,
    );
    expect(
      (await zadig(`/openapi/operations/${stringAt(created.json, 'operation_id')}/retry`, { method: 'POST' })).status,
    ).toBe(200);
  });
});

describe('project services environments run', () => {
  it('cannot be deleted while an environment runs them', async () => {
    const response = await call(berth.apps['zadig-service'], '/openapi/service/yaml/service1?projectKey=shop', {
      method: 'DELETE',
      token: ADMIN_TOKEN,
    });
    expect(response.status).toBe(409);
    expect(stringAt(response.json, 'description')).toBe(
      'service "service1" runs in environment "broken", "dev"; remove it there first',
    );
  });
});

describe('isDelete=true in a namespace Berth did not create', () => {
  it('removes what Berth applied there, the pull secret included, and keeps the namespace', async () => {
    await kube().core.createNamespace({ body: { metadata: { name: namespaces.kept } } });
    const created = await zadig('/openapi/environments?projectKey=shop', {
      json: {
        env_key: 'kept',
        cluster_id: 'local',
        namespace: namespaces.kept,
        registry_id: 'harbor',
        services: [{ service_name: 'service2' }],
      },
    });
    await run(stringAt(created.json, 'operation_id'));
    expect(
      (await kube().core.readNamespacedSecret({ name: 'berth-registry-harbor', namespace: namespaces.kept })).type,
    ).toBe('kubernetes.io/dockerconfigjson');

    const deleted = await zadig('/openapi/environments/kept?projectKey=shop&isDelete=true', { method: 'DELETE' });
    await run(stringAt(deleted.json, 'operation_id'));
    expect((await zadig(`/openapi/operations/${stringAt(deleted.json, 'operation_id')}`)).json).toMatchObject({
      state: 'success',
    });
    expect((await kube().core.readNamespace({ name: namespaces.kept })).status?.phase).toBe('Active');
    const secrets = (await kube().core.listNamespacedSecret({ namespace: namespaces.kept })).items.map(
      (secret) => secret.metadata?.name,
    );
    expect(secrets).not.toContain('berth-registry-harbor');
    const deployments = (await kube().apps.listNamespacedDeployment({ namespace: namespaces.kept })).items.filter(
      (item) => !item.metadata?.deletionTimestamp,
    );
    expect(deployments).toEqual([]);
  });
});

describe('a creation retried after the worker died', () => {
  it('recognises the namespace the earlier attempt made, so isDelete=true still removes it', async () => {
    // What an attempt that died between creating the namespace and recording it leaves behind.
    await kube().core.createNamespace({
      body: {
        metadata: {
          name: namespaces.orphan,
          labels: { 'app.kubernetes.io/managed-by': 'berth', 'berth.dev/project': 'shop', 'berth.dev/env': 'orphan' },
        },
      },
    });
    const created = await zadig('/openapi/environments?projectKey=shop', {
      json: { env_key: 'orphan', cluster_id: 'local', namespace: namespaces.orphan, registry_id: 'harbor' },
    });
    await run(stringAt(created.json, 'operation_id'));
    expect((await berth.rawItem(keys.environment('shop', 'test', 'orphan')))?.['createdNamespace']).toBe(true);

    const deleted = await zadig('/openapi/environments/orphan?projectKey=shop&isDelete=true', { method: 'DELETE' });
    await run(stringAt(deleted.json, 'operation_id'));
    const namespace = await kube()
      .core.readNamespace({ name: namespaces.orphan })
      .catch(() => undefined);
    expect(namespace === undefined || namespace.status?.phase === 'Terminating').toBe(true);
  });
});

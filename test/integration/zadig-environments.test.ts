import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, eventually, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube, runningPods } from '../support/kube.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { arrayAt, at, entryWith, stringAt } from '../support/json.ts';

let berth: Harness;
const suffix = randomBytes(3).toString('hex');
const namespace = `shop-env-dev-${suffix}`;
const { zadig, settled } = environmentClient(() => berth);

const deploymentOf = (name: string, ns = namespace) => kube().apps.readNamespacedDeployment({ name, namespace: ns });
const cpuOf = async (name: string) => (await deploymentOf(name)).spec!.template.spec!.containers[0]!.resources;

// The spec's "New Environment" example, with this cluster, registry and a namespace of its own.
const createExample = () => ({
  env_key: 'dev7',
  cluster_id: 'local',
  namespace,
  registry_id: 'harbor',
  is_public: true,
  global_variables: [{ key: 'cpuLimit', value: '15m' }],
  services: [
    {
      service_name: 'service2',
      type: 'k8s',
      containers: [
        {
          image: 'koderover.tencentcloudcr.com/test/service2:20230730070002-38-main',
          image_name: 'service2',
          name: 'service2',
        },
      ],
      variable_kvs: [
        { key: 'cpu', value: '8m' },
        { key: 'cpuLimit', value: '15m' },
      ],
    },
  ],
  env_configs: [
    {
      yaml_data:
        'apiVersion: v1\ndata:\n  root-cert.pem: |\n    -----BEGIN CERTIFICATE-----\n    MIIC\n    -----END CERTIFICATE-----\nkind: ConfigMap\nmetadata:\n  labels:\n    istio.io/config: "true"\n  name: istio-ca-root-cert-test\n  namespace: ai-test-2-env-dev\n',
      common_env_cfg_type: 'ConfigMap',
    },
  ],
});

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, 'shop');
});
afterAll(async () => {
  await kube()
    .core.deleteNamespace({ name: namespace })
    .catch(() => undefined);
  await berth.close();
});

describe('an environment’s life', () => {
  let operationId: string;

  it('is created from the spec example: answered at once, then applied by the worker', async () => {
    const created = await zadig('/openapi/environments?projectKey=shop', { json: createExample() });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ message: 'success', operation_id: expect.any(String) });
    operationId = stringAt(created.json, 'operation_id');

    const operation = await settled(operationId);
    expect(operation).toMatchObject({
      kind: 'create-environment',
      state: 'success',
      error: null,
      services: [{ service_name: 'service2', outcome: 'applied' }],
    });
    expect(stringAt((await zadig('/openapi/environments?projectKey=shop')).json, 0, 'status')).toBe('success');
  });

  it('put the rendered objects, the configuration and the registry pull secret in the namespace', async () => {
    const deployment = await deploymentOf('service2');
    const podSpec = deployment.spec!.template.spec!;
    expect(podSpec.containers[0]).toMatchObject({
      image: 'koderover.tencentcloudcr.com/test/service2:20230730070002-38-main',
      resources: { limits: { cpu: '15m' }, requests: { cpu: '8m' } },
      env: [
        { name: 'NAMESPACE', value: namespace },
        { name: 'PORT', value: '8080' },
      ],
    });
    expect(podSpec.imagePullSecrets).toEqual([{ name: 'berth-registry-harbor' }]);
    const secret = await kube().core.readNamespacedSecret({ name: 'berth-registry-harbor', namespace });
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect((await kube().core.readNamespacedService({ name: 'service2', namespace })).spec?.ports?.[0]?.port).toBe(80);
    expect(
      (await kube().core.readNamespacedConfigMap({ name: 'istio-ca-root-cert-test', namespace })).data?.[
        'root-cert.pem'
      ],
    ).toContain('BEGIN CERTIFICATE');
    expect(
      (await kube().core.readNamespace({ name: namespace })).metadata?.labels?.['app.kubernetes.io/managed-by'],
    ).toBe('berth');
  });

  it('lists it and shows its detail in the documented shape, services running', async () => {
    expect((await zadig('/openapi/environments?projectKey=shop')).json).toEqual([
      {
        env_name: 'dev7',
        env_key: 'dev7',
        cluster_id: 'local',
        namespace,
        production: false,
        registry_id: 'harbor',
        status: 'success',
        update_by: 'admin',
        update_time: expect.any(Number),
      },
    ]);
    await runningPods(namespace, 'app=service2', 1);
    const detail = (await zadig('/openapi/environments/dev7?projectKey=shop')).json;
    expect(detail).toMatchObject({
      project_key: 'shop',
      env_key: 'dev7',
      update_by: 'admin',
      cluster_id: 'local',
      namespace,
      registry_id: 'harbor',
      // The detail's status is what the services' pods say; the list's is the lifecycle (success).
      status: 'running',
      global_variables: [
        { key: 'cpuLimit', value: '15m', type: 'string', options: [], desc: '', related_services: [] },
      ],
      services: [
        {
          service_name: 'service2',
          type: 'k8s',
          status: 'running',
          containers: [
            {
              name: 'service2',
              image: 'koderover.tencentcloudcr.com/test/service2:20230730070002-38-main',
              image_name: 'service2',
            },
          ],
          variable_kvs: [
            { key: 'cpu', value: '8m', use_global_variable: false },
            { key: 'cpuLimit', value: '15m', use_global_variable: false },
          ],
        },
      ],
    });
  });

  it('adds a service that takes a global variable (the spec example)', async () => {
    const added = await zadig('/openapi/environments/service/yaml?projectKey=shop', {
      json: {
        env_key: 'dev7',
        service_list: [
          {
            service_name: 'service1',
            variable_kvs: [
              { key: 'cpuLimit', use_global_variable: true },
              { key: 'port', value: '20221' },
            ],
          },
        ],
      },
    });
    expect(added.json).toEqual({ message: 'success', operation_id: expect.any(String) });
    expect((await settled(stringAt(added.json, 'operation_id'))).state).toBe('success');
    expect(await cpuOf('service1')).toMatchObject({ limits: { cpu: '15m' } });
    expect((await deploymentOf('service1')).spec!.template.spec!.containers[0]!.env).toContainEqual({
      name: 'PORT',
      value: '20221',
    });

    const again = await zadig('/openapi/environments/service/yaml?projectKey=shop', {
      json: { env_key: 'dev7', service_list: [{ service_name: 'service1' }] },
    });
    expect(again.status).toBe(409);
    expect(stringAt(again.json, 'description')).toBe('service "service1" is already in environment "dev7"');
  });

  it('re-applies exactly the services that take a changed global variable', async () => {
    expect((await zadig('/openapi/environments/dev7/variable?projectKey=shop')).json).toEqual([
      { key: 'cpuLimit', value: '15m', type: 'string', options: [], desc: '', related_services: ['service1'] },
    ]);
    const before = arrayAt((await zadig('/openapi/environments/dev7?projectKey=shop')).json, 'services');
    const service2Revision = entryWith(before, 'service_name', 'service2').revision;

    const updated = await zadig('/openapi/environments/dev7/variable?projectKey=shop', {
      method: 'PUT',
      json: { global_variables: [{ key: 'cpuLimit', value: '25m' }] },
    });
    expect(updated.json).toMatchObject({ message: 'success', related_services: ['service1'] });
    const operation = await settled(stringAt(updated.json, 'operation_id'));
    expect(arrayAt(operation, 'services').map((service) => at(service, 'service_name'))).toEqual(['service1']);
    expect(await cpuOf('service1')).toMatchObject({ limits: { cpu: '25m' } });
    expect(await cpuOf('service2')).toMatchObject({ limits: { cpu: '15m' } });
    const after = arrayAt((await zadig('/openapi/environments/dev7?projectKey=shop')).json, 'services');
    expect(entryWith(after, 'service_name', 'service2').revision).toBe(service2Revision);
  });

  it('refuses to remove a global variable a service takes, naming it', async () => {
    const response = await zadig('/openapi/environments/dev7/variable?projectKey=shop', {
      method: 'PUT',
      json: { global_variables: [] },
    });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toContain('"cpuLimit" is used by "service1"');
  });

  it('updates a service’s values (the spec example) and shows the applied YAML', async () => {
    // The spec's example, as documented: `cpu` taken from a global the environment does not have yet, with a value.
    const updated = await zadig('/openapi/environments/dev7/services?projectKey=shop', {
      method: 'PUT',
      json: {
        service_list: [
          { service_name: 'service2', variable_kvs: [{ key: 'cpu', value: '4m', use_global_variable: true }] },
        ],
      },
    });
    expect(updated.json).toEqual({ message: 'success', operation_id: expect.any(String) });
    expect((await settled(stringAt(updated.json, 'operation_id'))).state).toBe('success');
    expect(await cpuOf('service2')).toMatchObject({ requests: { cpu: '4m' } });
    expect((await zadig('/openapi/environments/dev7/variable?projectKey=shop')).json).toContainEqual(
      expect.objectContaining({ key: 'cpu', value: '4m', related_services: ['service2'] }),
    );
    const yaml = await zadig(`/openapi/environments/services/yaml?projectKey=shop&envName=dev7&serviceName=service2`);
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toContain('text/plain');
    expect(yaml.text).toContain('cpu: 4m');
    expect(yaml.text).toContain(`value: ${namespace}`);
  });

  it('removes a service but keeps its objects when asked to', async () => {
    const removed = await zadig('/openapi/environments/service/yaml?projectKey=shop', {
      method: 'DELETE',
      json: { env_key: 'dev7', service_names: ['service1'], not_delete_resource: true },
    });
    expect((await settled(stringAt(removed.json, 'operation_id'))).services).toEqual([
      expect.objectContaining({ service_name: 'service1', outcome: 'deleted' }),
    ]);
    expect(
      arrayAt((await zadig('/openapi/environments/dev7?projectKey=shop')).json, 'services').map((service) =>
        at(service, 'service_name'),
      ),
    ).toEqual(['service2']);
    expect((await deploymentOf('service1')).metadata?.name).toBe('service1');
  });

  it('deletes the environment record but keeps the cluster objects with isDelete=false', async () => {
    const deleted = await zadig('/openapi/environments/dev7?projectKey=shop&isDelete=false', { method: 'DELETE' });
    expect(deleted.json).toEqual({ message: 'success', operation_id: expect.any(String) });
    await eventually(async () =>
      (await zadig('/openapi/environments/dev7?projectKey=shop')).status === 404 ? true : undefined,
    );
    expect((await deploymentOf('service2')).metadata?.name).toBe('service2');
    expect((await zadig('/openapi/environments?projectKey=shop')).json).toEqual([]);
  });
});

describe('isDelete=true', () => {
  it('removes what Berth applied and the namespace Berth created', async () => {
    const ns = `shop-env-tmp-${suffix}`;
    const created = await zadig('/openapi/environments?projectKey=shop', {
      json: {
        env_key: 'tmp',
        cluster_id: 'local',
        namespace: ns,
        registry_id: 'harbor',
        services: [{ service_name: 'service2' }],
      },
    });
    expect((await settled(stringAt(created.json, 'operation_id'))).state).toBe('success');
    expect((await deploymentOf('service2', ns)).metadata?.name).toBe('service2');

    const deleted = await zadig('/openapi/environments/tmp?projectKey=shop&isDelete=true', { method: 'DELETE' });
    expect((await settled(stringAt(deleted.json, 'operation_id'))).state).toBe('success');
    const namespaceGone = await eventually(async () => {
      const found = await kube()
        .core.readNamespace({ name: ns })
        .catch(() => undefined);
      return !found || found.status?.phase === 'Terminating' ? true : undefined;
    });
    expect(namespaceGone).toBe(true);
  });

  it('leaves the registry free to delete once no environment uses it', async () => {
    expect(
      (await call(berth.apps.admin, '/admin/registries/harbor', { method: 'DELETE', token: ADMIN_TOKEN })).status,
    ).toBe(204);
  });
});

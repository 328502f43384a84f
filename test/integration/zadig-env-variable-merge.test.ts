import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call, type Exchange } from '../support/http.ts';
import { kube } from '../support/kube.ts';
import { arrayAt, entryWith, stringAt } from '../support/json.ts';
import { environmentClient, seedEnvironmentWorld, serviceYaml } from '../support/zadig-environment.ts';

// The client of issue 11 sent only `replicas`; every other value, and the global binding, must survive.
let berth: Harness;
const namespace = `merge-dev-${randomBytes(3).toString('hex')}`;
const { zadig, settled } = environmentClient(() => berth);

const deployment = () => kube().apps.readNamespacedDeployment({ name: 'scaled', namespace });
const container = async () => (await deployment()).spec!.template.spec!.containers[0]!;

/** `scaled` takes its replica count from a variable, so the scale route writes the environment's value for it. */
const scaledYaml = serviceYaml('scaled').replace('  replicas: 1', '  replicas: {{.replicas}}');

async function applied(response: Exchange) {
  expect(response.status).toBe(200);
  expect((await settled(stringAt(response.json, 'operation_id'))).state).toBe('success');
}

const variableKvs = async () =>
  entryWith(
    arrayAt((await zadig('/openapi/environments/dev?projectKey=merge')).json, 'services'),
    'service_name',
    'scaled',
  ).variable_kvs;

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, 'merge');
  const created = await call(berth.apps['zadig-service'], '/openapi/service/yaml/raw?projectKey=merge', {
    token: ADMIN_TOKEN,
    json: {
      service_name: 'scaled',
      yaml: scaledYaml,
      variable_yaml: [
        { key: 'cpu', value: '5m', type: 'string' },
        { key: 'cpuLimit', value: '50m', type: 'string' },
        { key: 'port', value: '8080', type: 'string' },
        { key: 'replicas', value: '1', type: 'string' },
      ],
    },
  });
  expect(created.status).toBe(200);
  await applied(
    await zadig('/openapi/environments?projectKey=merge', {
      json: {
        env_key: 'dev',
        cluster_id: 'local',
        namespace,
        registry_id: 'harbor',
        global_variables: [{ key: 'cpuLimit', value: '30m' }],
        services: [
          {
            service_name: 'scaled',
            variable_kvs: [
              { key: 'cpu', value: '7m' },
              { key: 'cpuLimit', use_global_variable: true },
            ],
          },
        ],
      },
    }),
  );
});
afterAll(async () => {
  await kube()
    .core.deleteNamespace({ name: namespace })
    .catch(() => undefined);
  await berth.close();
});

describe('a partial update of an env service’s values', () => {
  it('keeps the replica count the scale route wrote', async () => {
    const scaled = await zadig('/openapi/environments/scale', {
      json: {
        project_key: 'merge',
        env_key: 'dev',
        workload_name: 'scaled',
        workload_type: 'Deployment',
        target_replicas: 3,
      },
    });
    expect(scaled.status).toBe(200);
    expect((await deployment()).spec!.replicas).toBe(3);
  });

  it('changes only the key sent: other values, the replica count and the global binding stay', async () => {
    await applied(
      await zadig('/openapi/environments/dev/services?projectKey=merge', {
        method: 'PUT',
        json: { service_list: [{ service_name: 'scaled', variable_kvs: [{ key: 'port', value: '9090' }] }] },
      }),
    );
    expect(await variableKvs()).toEqual([
      { key: 'cpu', value: '7m', use_global_variable: false },
      { key: 'cpuLimit', value: '', use_global_variable: true },
      { key: 'replicas', value: '3', use_global_variable: false },
      { key: 'port', value: '9090', use_global_variable: false },
    ]);
    const running = await container();
    expect(running.env).toContainEqual({ name: 'PORT', value: '9090' });
    expect(running.resources).toEqual({ limits: { cpu: '30m' }, requests: { cpu: '7m' } });
    expect((await deployment()).spec!.replicas).toBe(3);
    expect((await zadig('/openapi/environments/dev/variable?projectKey=merge')).json).toEqual([
      { key: 'cpuLimit', value: '30m', type: 'string', options: [], desc: '', related_services: ['scaled'] },
    ]);
  });

  it('still lets a later global change reach the service', async () => {
    const updated = await zadig('/openapi/environments/dev/variable?projectKey=merge', {
      method: 'PUT',
      json: { global_variables: [{ key: 'cpuLimit', value: '40m' }] },
    });
    expect(updated.json).toMatchObject({ related_services: ['scaled'] });
    await applied(updated);
    expect((await container()).resources).toEqual({ limits: { cpu: '40m' }, requests: { cpu: '7m' } });
  });

  it('unbinds a key sent with a value and without use_global_variable, as Zadig does', async () => {
    await applied(
      await zadig('/openapi/environments/dev/services?projectKey=merge', {
        method: 'PUT',
        json: { service_list: [{ service_name: 'scaled', variable_kvs: [{ key: 'cpuLimit', value: '45m' }] }] },
      }),
    );
    expect((await container()).resources).toEqual({ limits: { cpu: '45m' }, requests: { cpu: '7m' } });
    expect((await zadig('/openapi/environments/dev/variable?projectKey=merge')).json).toEqual([
      expect.objectContaining({ key: 'cpuLimit', related_services: [] }),
    ]);
  });
});

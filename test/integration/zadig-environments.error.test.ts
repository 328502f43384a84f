import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, mintToken, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { kube } from '../support/kube.ts';
import { environmentClient, seedEnvironmentWorld } from '../support/zadig-environment.ts';
import { stringAt } from '../support/json.ts';

let berth: Harness;
let scopedToken: string;
const suffix = randomBytes(3).toString('hex');
const namespaces = { shop: `err-shop-${suffix}`, prod: `err-prod-${suffix}` };
const { zadig, settled } = environmentClient(() => berth);
const environment = (body: Record<string, unknown> = {}) => ({
  env_key: 'dev',
  cluster_id: 'local',
  namespace: namespaces.shop,
  registry_id: 'harbor',
  ...body,
});

beforeAll(async () => {
  berth = await createHarness();
  await berth.startWorkers();
  await seedEnvironmentWorld(berth, 'shop');
  await call(berth.apps['zadig-service'], '/openapi/projects/project', {
    token: ADMIN_TOKEN,
    json: { project_key: 'other', project_name: 'other', project_type: 'yaml' },
  });
  scopedToken = await mintToken(berth, { name: 'other-dev', role: 'user', projects: ['other'] });
});
afterAll(async () => {
  for (const name of Object.values(namespaces))
    await kube()
      .core.deleteNamespace({ name })
      .catch(() => undefined);
  await berth.close();
});

describe('bad environment input: a 4xx naming the problem, nothing written', () => {
  it.each([
    ['an unknown cluster', { cluster_id: 'nowhere' }, 404, 'cluster "nowhere" not found'],
    ['an unknown registry', { registry_id: 'nope' }, 404, 'registry "nope" not found'],
    [
      'a service the project does not have',
      { services: [{ service_name: 'ghost' }] },
      404,
      'service "ghost" not found',
    ],
    [
      'a service listed twice',
      { services: [{ service_name: 'service1' }, { service_name: 'service1' }] },
      400,
      'listed twice',
    ],
    [
      'a value for a variable the service does not declare',
      { services: [{ service_name: 'service1', variable_kvs: [{ key: 'nope', value: 1 }] }] },
      400,
      'nope',
    ],
    [
      'a global variable the environment lacks',
      { services: [{ service_name: 'service1', variable_kvs: [{ key: 'cpu', use_global_variable: true }] }] },
      400,
      'global variable "cpu"',
    ],
    [
      'an image for a container the service lacks',
      { services: [{ service_name: 'service1', containers: [{ name: 'sidecar', image: 'x:1' }] }] },
      400,
      'no container "sidecar"',
    ],
    ['a namespace that is not an RFC 1123 label', { namespace: 'Bad_NS' }, 400, 'namespace: '],
    ['a reserved environment key', { env_key: 'production' }, 400, 'env_key: '],
    [
      'an env config whose kind is not its type',
      {
        env_configs: [
          { common_env_cfg_type: 'Secret', yaml_data: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' },
        ],
      },
      400,
      'is a Secret, found a ConfigMap',
    ],
    ['a missing cluster_id', { cluster_id: undefined }, 400, 'cluster_id is required'],
  ])('%s', async (_, body, status, description) => {
    const response = await zadig('/openapi/environments?projectKey=shop', { json: environment(body) });
    expect(response.status).toBe(status);
    expect(response.json).toMatchObject({ code: status, description: expect.stringContaining(description) });
    expect((await zadig('/openapi/environments?projectKey=shop')).json).toEqual([]);
  });

  it('answers unknown projects and environments with 404, and keeps scoped tokens out', async () => {
    expect((await zadig('/openapi/environments?projectKey=ghost')).status).toBe(404);
    expect((await zadig('/openapi/environments/nope?projectKey=shop')).json).toMatchObject({
      code: 404,
      description: 'environment "nope" not found',
    });
    expect((await zadig('/openapi/environments?projectKey=shop', { token: scopedToken })).status).toBe(403);
    expect((await zadig('/openapi/operations/nope')).status).toBe(404);
  });
});

describe('conflicts', () => {
  it('refuses a second environment in the same namespace, even from another project, naming the owner', async () => {
    const created = await zadig('/openapi/environments?projectKey=shop', {
      json: environment({ services: [{ service_name: 'service1' }] }),
    });
    expect(created.status).toBe(200);
    await settled(stringAt(created.json, 'operation_id'));
    const clash = await zadig('/openapi/environments?projectKey=other', { json: environment({ env_key: 'theirs' }) });
    expect(clash.status).toBe(409);
    expect(stringAt(clash.json, 'description')).toBe(
      `namespace "${namespaces.shop}" of cluster "local" is already used by environment "dev" of project "shop"`,
    );
    expect(
      (
        await zadig('/openapi/environments?projectKey=shop', {
          json: environment({ namespace: `${namespaces.shop}-2` }),
        })
      ).status,
    ).toBe(409);
  });

  it('lets concurrent changes of one environment each land or get a 409, never both', async () => {
    const responses = await Promise.all(
      ['3m', '4m', '5m', '6m'].map((cpu) =>
        zadig('/openapi/environments/dev/services?projectKey=shop', {
          method: 'PUT',
          json: { service_list: [{ service_name: 'service1', variable_kvs: [{ key: 'cpu', value: cpu }] }] },
        }),
      ),
    );
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 409)).toHaveLength(3);
    await settled(stringAt(responses.find((response) => response.status === 200)!.json, 'operation_id'));
  });

  it('refuses to update or remove a service the environment does not have', async () => {
    const update = await zadig('/openapi/environments/dev/services?projectKey=shop', {
      method: 'PUT',
      json: { service_list: [{ service_name: 'service2' }] },
    });
    expect(update.status).toBe(404);
    expect(stringAt(update.json, 'description')).toContain('"service2" not found');
    const remove = await zadig('/openapi/environments/service/yaml?projectKey=shop', {
      method: 'DELETE',
      json: { env_key: 'dev', service_names: ['service2'] },
    });
    expect(remove.status).toBe(404);
  });

  it('refuses to delete a registry environments use, saying how many', async () => {
    const response = await call(berth.apps.admin, '/admin/registries/harbor', { method: 'DELETE', token: ADMIN_TOKEN });
    expect(response.status).toBe(409);
    expect(stringAt(response.json, 'description')).toBe(
      'registry "harbor" is used by 1 environment(s); delete them or move them to another registry first',
    );
  });

  it('refuses to delete the project while it has environments', async () => {
    const response = await call(berth.apps['zadig-service'], '/openapi/projects/project?projectKey=shop', {
      method: 'DELETE',
      token: ADMIN_TOKEN,
    });
    expect(response.status).toBe(409);
  });
});

describe('production environments', () => {
  it('follow the same rules under /production, with the production services (spec example body)', async () => {
    const created = await zadig('/openapi/environments/production?projectKey=shop', {
      json: {
        env_key: 'prod',
        env_name: 'Production',
        cluster_id: 'local',
        namespace: namespaces.prod,
        registry_id: 'harbor',
      },
    });
    expect(created.json).toEqual({ message: 'success', operation_id: expect.any(String) });
    expect((await settled(stringAt(created.json, 'operation_id'))).state).toBe('success');
    const added = await zadig('/openapi/environments/production/service/yaml?projectKey=shop', {
      json: { env_key: 'prod', service_list: [{ service_name: 'service2' }] },
    });
    expect((await settled(stringAt(added.json, 'operation_id'))).state).toBe('success');
    expect((await zadig('/openapi/environments/production?projectKey=shop')).json).toEqual([
      expect.objectContaining({ env_key: 'prod', env_name: 'Production', production: true }),
    ]);
    expect((await zadig('/openapi/environments/production/prod?projectKey=shop')).json).toMatchObject({
      env_key: 'prod',
      env_name: 'Production',
      services: [{ service_name: 'service2' }],
    });
    expect((await zadig('/openapi/environments/prod?projectKey=shop')).status).toBe(404);

    const renamed = await zadig('/openapi/environments/production/prod?projectKey=shop', {
      method: 'PUT',
      json: { env_name: 'Live' },
    });
    expect(renamed.json).toEqual({ message: 'success' });
    expect(stringAt((await zadig('/openapi/environments/production/prod?projectKey=shop')).json, 'env_name')).toBe(
      'Live',
    );
  });
});

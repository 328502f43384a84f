import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import {
  loadProductionTemplateExample,
  loadTemplateExample,
  microserviceTemplate,
  rawServiceExample,
  rawServiceExampleIndented,
  updateServiceYamlExample,
  updateServiceYamlExampleIndented,
  updateVariablesExample,
} from '../support/zadig-fixtures.ts';
import { arrayAt, at, numberAt, objectAt, stringAt } from '../support/json.ts';

let berth: Harness;
const zadig = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps['zadig-service'], path, { token: ADMIN_TOKEN, ...options });
const SUCCESS = { message: 'success' };
const myapp = {
  name: 'myapp-1',
  image: 'koderover.******.com/koderover-demo/myapp-1:v0.1__linux_amd64',
  image_name: 'myapp-1',
};

beforeAll(async () => {
  berth = await createHarness();
  for (const project_key of ['demo', 'demo-raw']) {
    expect(
      (
        await zadig('/openapi/projects/project', {
          json: { project_key, project_name: project_key, project_type: 'yaml' },
        })
      ).json,
    ).toEqual(SUCCESS);
  }
  expect(
    (await zadig('/openapi/templates/yaml', { json: { name: 'microservice-template', content: microserviceTemplate } }))
      .status,
  ).toBe(200);
  const baseVariables = [
    { key: 'memoryLimit', value: '64Mi', type: 'string' },
    { key: 'port', value: '8080', type: 'string' },
  ];
  expect(
    (
      await zadig('/openapi/templates/yaml', {
        json: { name: 'base-template', content: microserviceTemplate, service_variable_kvs: baseVariables },
      })
    ).status,
  ).toBe(200);
});
afterAll(() => berth.close());

describe('POST /openapi/service/template/load/yaml (the spec example)', () => {
  it('creates service1 from microservice-template with the example’s variables', async () => {
    const created = await zadig('/openapi/service/template/load/yaml', { json: loadTemplateExample });
    expect(created.status).toBe(200);
    expect(created.json).toEqual(SUCCESS);

    const detail = await zadig('/openapi/service/yaml/service1?projectKey=demo');
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({
      service_name: 'service1',
      type: 'k8s',
      created_by: 'admin',
      created_time: expect.any(Number),
      yaml: microserviceTemplate,
      containers: [
        { name: 'service1', image: 'koderover.******.com/koderover-demo/service2:latest', image_name: 'service2' },
      ],
    });
    expect(at(detail.json, 'service_variable_kvs')).toEqual([
      { key: 'port', value: '20221', type: 'string', options: [], desc: '' },
      { key: 'memoryLimit', value: '100Mi', type: 'string', options: [], desc: '' },
      { key: 'cpuLimit', value: '100m', type: 'string', options: [], desc: '' },
    ]);
    expect(Math.abs(numberAt(detail.json, 'created_time') - Date.now() / 1000)).toBeLessThan(60);
  });
});

describe('POST /openapi/service/template/production/load/yaml (the spec example)', () => {
  it('creates production service1 from base-template', async () => {
    const created = await zadig('/openapi/service/template/production/load/yaml', {
      json: loadProductionTemplateExample,
    });
    expect(created.json).toEqual(SUCCESS);
    const detail = await zadig('/openapi/service/yaml/production/service1?projectKey=demo');
    expect(detail.json).toMatchObject({ service_name: 'service1', type: 'k8s', created_by: 'admin' });
    expect(
      Object.fromEntries(
        arrayAt(detail.json, 'service_variable_kvs').map((kv) => [stringAt(kv, 'key'), at(kv, 'value')]),
      ),
    ).toEqual({
      memoryLimit: '64Mi',
      port: '8080',
      cpuLimit: '15m',
    });
  });
});

describe('POST /openapi/service/yaml/raw and /production/raw (the spec example)', () => {
  it.each([
    ['test', '/openapi/service/yaml/raw', '/openapi/service/yaml/service-3'],
    ['production', '/openapi/service/yaml/production/raw', '/openapi/service/yaml/production/service-3'],
  ])('creates %s service-3 from the example YAML', async (_, createPath, detailPath) => {
    const created = await zadig(`${createPath}?projectKey=demo`, { json: rawServiceExampleIndented });
    expect(created.json).toEqual(SUCCESS);
    const detail = await zadig(`${detailPath}?projectKey=demo`);
    expect(detail.json).toMatchObject({
      service_name: 'service-3',
      type: 'k8s',
      yaml: rawServiceExampleIndented.yaml,
      containers: [myapp],
    });
    expect(at(detail.json, 'service_variable_kvs')).toEqual([
      { key: 'cpu', value: '12m', type: 'string', options: [], desc: 'cpu value' },
    ]);
  });

  it('refuses the example exactly as printed, whose YAML lost its indentation, saying why', async () => {
    const response = await zadig('/openapi/service/yaml/raw?projectKey=demo-raw', { json: rawServiceExample });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: 400,
      message: 'Bad Request',
      description: expect.stringMatching(/is not valid YAML at line \d+, column \d+: duplicate key "app"/),
    });
  });
});

describe('GET service lists', () => {
  it('lists test services wrapped in "service", as documented', async () => {
    const response = await zadig('/openapi/service/yaml/services?projectKey=demo');
    expect(response.status).toBe(200);
    expect(Object.keys(objectAt(response.json))).toEqual(['service']);
    expect(at(response.json, 'service')).toContainEqual({
      service_name: 'service-3',
      type: 'k8s',
      containers: [myapp],
    });
    expect(
      arrayAt(response.json, 'service')
        .map((service) => stringAt(service, 'service_name'))
        .sort(),
    ).toEqual(['service-3', 'service1']);
  });

  it('lists production services as a bare array, as documented', async () => {
    const response = await zadig('/openapi/service/yaml/production/services?projectKey=demo');
    expect(Array.isArray(response.json)).toBe(true);
    expect(response.json).toContainEqual({ service_name: 'service-3', type: 'k8s', containers: [myapp] });
  });
});

describe('PUT /openapi/service/yaml/:serviceName (the spec example)', () => {
  it.each([
    ['test', '/openapi/service/yaml'],
    ['production', '/openapi/service/yaml/production'],
  ])('replaces the %s service’s YAML and keeps a new revision', async (_, base) => {
    const rawService = {
      service_name: 'service1',
      yaml: rawServiceExampleIndented.yaml,
      variable_yaml: rawServiceExampleIndented.variable_yaml,
    };
    expect((await zadig(`${base}/raw?projectKey=demo-raw`, { json: rawService })).json).toEqual(SUCCESS);
    const updated = await zadig(`${base}/service1?projectKey=demo-raw`, {
      method: 'PUT',
      json: updateServiceYamlExampleIndented,
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toEqual(SUCCESS);

    const detail = objectAt((await zadig(`${base}/service1?projectKey=demo-raw`)).json);
    expect(detail).toMatchObject({
      yaml: updateServiceYamlExampleIndented.yaml,
      revision: 2,
      containers: [
        { name: 'service1', image: 'koderover.******.com/koderover-demo/service1:latest', image_name: 'service1' },
      ],
    });
    expect(arrayAt(detail, 'service_variable_kvs').map((kv) => at(kv, 'key'))).toEqual([
      'cpu',
      'port',
      'memoryLimit',
      'cpuLimit',
    ]);
  });

  it('refuses the example exactly as printed, naming the YAML problem', async () => {
    const response = await zadig('/openapi/service/yaml/service1?projectKey=demo-raw', {
      method: 'PUT',
      json: updateServiceYamlExample,
    });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toMatch(
      /is not valid YAML at line \d+, column \d+: duplicate key "app.kubernetes.io\/name"/,
    );
  });
});

describe('PUT /openapi/service/yaml/:serviceName/variable (the spec example)', () => {
  it.each([
    ['test', '/openapi/service/yaml'],
    ['production', '/openapi/service/yaml/production'],
  ])('replaces the %s service’s variables', async (_, base) => {
    const response = await zadig(`${base}/service-3/variable?projectKey=demo`, {
      method: 'PUT',
      json: updateVariablesExample,
    });
    expect(response.json).toEqual(SUCCESS);
    const detail = objectAt((await zadig(`${base}/service-3?projectKey=demo`)).json);
    expect(detail.service_variable_kvs).toEqual(updateVariablesExample.service_variable_kvs);
    expect(detail.revision).toBe(2);
  });
});

describe('service labels', () => {
  it('reads [] at first, then what was set, in the documented shape', async () => {
    expect((await zadig('/openapi/service/yaml/service-3/labels?projectKey=demo')).json).toEqual([]);
    const labels = [
      { key: 'team', value: 'payments' },
      { key: 'tier', value: 'backend' },
    ];
    expect(
      (await zadig('/openapi/service/yaml/service-3/labels?projectKey=demo', { method: 'PUT', json: labels })).json,
    ).toEqual(labels);
    expect((await zadig('/openapi/service/yaml/service-3/labels?projectKey=demo')).json).toEqual(labels);
    expect((await zadig('/openapi/service/yaml/production/service-3/labels?projectKey=demo')).json).toEqual([]);
  });
});

describe('DELETE /openapi/service/yaml/:serviceName', () => {
  it.each([
    ['test', '/openapi/service/yaml'],
    ['production', '/openapi/service/yaml/production'],
  ])('deletes the %s service', async (_, base) => {
    expect((await zadig(`${base}/service-3?projectKey=demo`, { method: 'DELETE' })).json).toEqual(SUCCESS);
    const gone = await zadig(`${base}/service-3?projectKey=demo`);
    expect(gone.status).toBe(404);
    expect(gone.json).toMatchObject({
      code: 404,
      message: 'Not Found',
      description: expect.stringContaining('"service-3" not found'),
    });
  });
});

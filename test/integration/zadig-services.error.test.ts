import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, mintToken, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { microserviceTemplate, rawServiceExampleIndented } from '../support/zadig-fixtures.ts';
import { arrayAt, objectAt, stringAt } from '../support/json.ts';

let berth: Harness;
let scopedToken: string;
const zadig = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps['zadig-service'], path, { token: ADMIN_TOKEN, ...options });
const serviceCount = async () =>
  arrayAt((await zadig('/openapi/service/yaml/services?projectKey=shop')).json, 'service').length;
const raw = (body: Record<string, unknown>) =>
  zadig('/openapi/service/yaml/raw?projectKey=shop', {
    json: { service_name: 'svc', yaml: rawServiceExampleIndented.yaml, ...body },
  });

beforeAll(async () => {
  berth = await createHarness();
  for (const project_key of ['shop', 'other'])
    await zadig('/openapi/projects/project', {
      json: { project_key, project_name: project_key, project_type: 'yaml' },
    });
  await zadig('/openapi/templates/yaml', {
    json: {
      name: 'sized',
      content: microserviceTemplate.replace('replicas: 1', 'replicas: {{.replicas}}'),
      service_variable_kvs: [{ key: 'replicas', value: '1', type: 'enum', options: ['1', '2', '3'] }],
    },
  });
  scopedToken = await mintToken(berth, { name: 'shop-dev', role: 'user', projects: ['shop'] });
});
afterAll(() => berth.close());

describe('bad service input: a 400 in Zadig’s envelope naming the problem, and nothing written', () => {
  it.each([
    ['a missing service_name', { service_name: undefined }, 'service_name is required'],
    ['a service name outside ^[a-zA-Z0-9-_]+$', { service_name: 'bad name!' }, 'service_name: must match'],
    ['a reserved service name', { service_name: 'services' }, 'service_name: is reserved'],
    ['a wrong type', { yaml: 42 }, 'yaml: '],
    [
      'an unknown variable type',
      { variable_yaml: [{ key: 'cpu', value: '1', type: 'number' }] },
      'variable_yaml.0.type',
    ],
    [
      'an enum value outside its options',
      { variable_yaml: [{ key: 'cpu', value: 'huge', type: 'enum', options: ['small', 'large'] }] },
      'must be one of [small large]',
    ],
    [
      'a bool that is not true or false',
      { variable_yaml: [{ key: 'cpu', value: 'yes', type: 'bool' }] },
      'must be true or false',
    ],
    ['malformed YAML', { yaml: 'apiVersion: v1\nkind: [unclosed' }, 'is not valid YAML'],
    ['a document without metadata.name', { yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' }, 'metadata.name'],
    [
      'a template construct Berth does not support',
      { yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: {{ .cfg | toYaml }}\n' },
      'function "toYaml" is not supported',
    ],
    [
      'a nested key that is missing',
      {
        yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  n: "{{.cfg.replicas}}"\n',
        variable_yaml: [{ key: 'cfg', value: 'other: 1', type: 'yaml' }],
      },
      'missing keys [cfg.replicas]',
    ],
  ])('%s', async (_, body, description) => {
    const before = await serviceCount();
    const response = await raw(body);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      code: 400,
      message: 'Bad Request',
      description: expect.stringContaining(description),
    });
    expect(await serviceCount()).toBe(before);
  });

  it('refuses a template value outside the template variable’s options', async () => {
    const response = await zadig('/openapi/service/template/load/yaml', {
      json: {
        service_name: 'sized-svc',
        project_key: 'shop',
        template_name: 'sized',
        variable_yaml: [{ key: 'replicas', value: '5' }],
      },
    });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toContain('must be one of [1 2 3]');
  });

  it('refuses values for variables the template does not declare, naming them', async () => {
    const response = await zadig('/openapi/service/template/load/yaml', {
      json: {
        service_name: 'sized-svc',
        project_key: 'shop',
        template_name: 'sized',
        variable_yaml: [{ key: 'nope', value: '1' }],
      },
    });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toContain('nope');
  });
});

describe('unknown things are 404s, scope is a 403', () => {
  it('answers an unknown template', async () => {
    const response = await zadig('/openapi/service/template/load/yaml', {
      json: { service_name: 'x', project_key: 'shop', template_name: 'nope' },
    });
    expect(response.status).toBe(404);
    expect(stringAt(response.json, 'description')).toBe('template "nope" not found');
  });

  it.each([
    ['GET', '/openapi/service/yaml/services?projectKey=ghost'],
    ['GET', '/openapi/service/yaml/x?projectKey=ghost'],
    ['POST', '/openapi/service/yaml/raw?projectKey=ghost'],
  ])('answers %s %s for an unknown project', async (method, path) => {
    const response = await zadig(path, {
      method,
      ...(method === 'POST' ? { json: { service_name: 'x', yaml: rawServiceExampleIndented.yaml } } : {}),
    });
    expect(response.status).toBe(404);
    expect(stringAt(response.json, 'description')).toBe('project "ghost" not found');
  });

  it('answers an unknown service', async () => {
    const response = await zadig('/openapi/service/yaml/production/nope?projectKey=shop');
    expect(response.status).toBe(404);
    expect(stringAt(response.json, 'description')).toBe('production service "nope" not found');
  });

  it('keeps a scoped token to its projects, without revealing whether others exist', async () => {
    expect((await zadig('/openapi/service/yaml/services?projectKey=shop', { token: scopedToken })).status).toBe(200);
    for (const project of ['other', 'ghost']) {
      const response = await zadig(`/openapi/service/yaml/services?projectKey=${project}`, { token: scopedToken });
      expect(response.status).toBe(403);
      expect(response.json).toMatchObject({ code: 403, message: 'Forbidden' });
    }
  });

  it('requires projectKey', async () => {
    const response = await zadig('/openapi/service/yaml/services');
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toBe('projectKey is required');
  });
});

describe('conflicts', () => {
  it('refuses to create a service that exists (409) and keeps the first', async () => {
    expect((await raw({ service_name: 'twice' })).status).toBe(200);
    const again = await raw({ service_name: 'twice', variable_yaml: [{ key: 'cpu', value: '99m' }] });
    expect(again.status).toBe(409);
    expect(stringAt(again.json, 'description')).toBe('service "twice" already exists in project "shop"');
    const detail = objectAt((await zadig('/openapi/service/yaml/twice?projectKey=shop')).json);
    expect(detail.service_variable_kvs).toEqual([{ key: 'cpu', value: '', type: 'string', options: [], desc: '' }]);
  });

  it('refuses direct YAML edits of a service that follows its template, saying why', async () => {
    await zadig('/openapi/service/template/load/yaml', {
      json: { service_name: 'follower', project_key: 'shop', template_name: 'sized', auto_sync: true },
    });
    const response = await zadig('/openapi/service/yaml/follower?projectKey=shop', {
      method: 'PUT',
      json: { type: 'k8s', yaml: rawServiceExampleIndented.yaml },
    });
    expect(response.status).toBe(409);
    expect(stringAt(response.json, 'description')).toContain('follows template "sized" (auto_sync)');
  });

  it('lets concurrent variable updates of one service each land or get a 409, never lose one', async () => {
    await raw({ service_name: 'contended' });
    const writers = 12;
    const responses = await Promise.all(
      Array.from({ length: writers }, (_, index) =>
        zadig('/openapi/service/yaml/contended/variable?projectKey=shop', {
          method: 'PUT',
          json: { service_variable_kvs: [{ key: 'cpu', value: `${index}m`, type: 'string' }] },
        }),
      ),
    );
    expect(responses.every((response) => response.status === 200 || response.status === 409)).toBe(true);
    const landed = responses.filter((response) => response.status === 200).length;
    expect(landed).toBeGreaterThan(0);
    const detail = objectAt((await zadig('/openapi/service/yaml/contended?projectKey=shop')).json);
    expect(detail.revision).toBe(1 + landed);
  });
});

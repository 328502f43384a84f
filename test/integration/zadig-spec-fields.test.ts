import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call, type Exchange } from '../support/http.ts';
import { arrayAt, stringAt } from '../support/json.ts';
import { environmentClient, seedEnvironmentWorld, serviceYaml } from '../support/zadig-environment.ts';
import { documentedBodies } from '../support/zadig-spec-fields.ts';

// The unit test proves each documented field is declared; this one proves what a caller sees when sending one.
let berth: Harness;
const namespace = `fields-${randomBytes(3).toString('hex')}`;
const { zadig } = environmentClient(() => berth);
const services = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps['zadig-service'], path, { token: ADMIN_TOKEN, ...options });

const newEnvironment = { env_key: 'dev', cluster_id: 'local', namespace, registry_id: 'harbor' };
const environments = async (scope: 'test' | 'production') =>
  arrayAt((await zadig(`/openapi/environments${scope === 'production' ? '/production' : ''}?projectKey=fields`)).json);

/** For each refused field: a request that is valid but for it, and whether anything was written after it. */
type Probe = { send: () => Promise<Exchange>; nothingWritten: () => Promise<boolean> };
const refusedProbes: Record<string, Probe> = {
  'POST /openapi/service/template/production/load/yaml yaml': {
    send: () =>
      services('/openapi/service/template/production/load/yaml', {
        json: { service_name: 'loaded', project_key: 'fields', template_name: 'web', yaml: serviceYaml('other') },
      }),
    nothingWritten: async () =>
      (await services('/openapi/service/yaml/production/loaded?projectKey=fields')).status === 404,
  },
};

const refusedFields = documentedBodies.flatMap(({ route, fields }) =>
  Object.entries(fields)
    .filter(([, verdict]) => verdict === 'refused')
    .map(([field]) => ({ route, field })),
);

beforeAll(async () => {
  berth = await createHarness();
  await seedEnvironmentWorld(berth, 'fields');
  const template = await services('/openapi/templates/yaml', {
    json: {
      name: 'web',
      content: serviceYaml('web'),
      service_variable_kvs: [
        { key: 'cpu', value: '5m' },
        { key: 'cpuLimit', value: '50m' },
        { key: 'port', value: '8080' },
      ],
    },
  });
  expect(template.status).toBe(200);
});
afterAll(() => berth.close());

describe('a documented field Berth refuses', () => {
  it('has a probe for each refused field of the table', () => {
    expect(refusedFields.map(({ route, field }) => `${route} ${field}`).sort()).toEqual(
      Object.keys(refusedProbes).sort(),
    );
  });

  it.each(refusedFields)('$route: $field answers 400 naming it, and nothing is written', async ({ route, field }) => {
    const probe = refusedProbes[`${route} ${field}`]!;
    const response = await probe.send();
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toMatch(new RegExp(`^${field}: \\S`));
    expect(await probe.nothingWritten()).toBe(true);
  });
});

describe('a documented field Berth honours by checking it', () => {
  it('answers 400 for an image_name that is not the image’s, and creates nothing', async () => {
    const response = await zadig('/openapi/environments?projectKey=fields', {
      json: {
        ...newEnvironment,
        services: [
          {
            service_name: 'service1',
            containers: [{ name: 'service1', image: 'registry.local/test/service1:v1', image_name: 'service2' }],
          },
        ],
      },
    });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toBe(
      'services.0.containers.0.image_name: must be the name of the image (here "service1")',
    );
    expect(await environments('test')).toEqual([]);
  });

  it('takes production: true on the production template route, and refuses false', async () => {
    const refused = await services('/openapi/service/template/production/load/yaml', {
      json: { service_name: 'loaded', project_key: 'fields', template_name: 'web', production: false },
    });
    expect(refused.status).toBe(400);
    expect(stringAt(refused.json, 'description')).toBe(
      'production: must be true: this route creates production services',
    );

    const loaded = await services('/openapi/service/template/production/load/yaml', {
      json: { service_name: 'loaded', project_key: 'fields', template_name: 'web', production: true },
    });
    expect(loaded.status).toBe(200);
    const detail = await services('/openapi/service/yaml/production/loaded?projectKey=fields');
    expect(stringAt(detail.json, 'template_name')).toBe('web');
  });
});

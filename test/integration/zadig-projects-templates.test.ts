import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { microserviceTemplate } from '../support/zadig-fixtures.ts';
import { arrayAt, at, entryWith, numberAt, objectAt, stringAt } from '../support/json.ts';

let berth: Harness;
let scopedToken: string;
const zadig = (path: string, options: Parameters<typeof call>[2] = {}) =>
  call(berth.apps['zadig-service'], path, { token: ADMIN_TOKEN, ...options });
const project = (project_key: string) =>
  zadig('/openapi/projects/project', {
    json: { project_key, project_name: `Project ${project_key}`, project_type: 'yaml' },
  });

beforeAll(async () => {
  berth = await createHarness();
  scopedToken = stringAt(
    (
      await call(berth.apps.admin, '/admin/tokens', {
        token: ADMIN_TOKEN,
        json: { name: 'alpha-dev', role: 'user', projects: ['alpha'] },
      })
    ).json,
    'token',
  );
});
afterAll(() => berth.close());

describe('projects', () => {
  it('creates, reads and lists projects in Zadig’s shape', async () => {
    for (const key of ['alpha', 'beta', 'gamma']) expect((await project(key)).json).toEqual({ message: 'success' });
    const detail = await zadig('/openapi/projects/project/detail?projectKey=alpha');
    expect(detail.json).toEqual({
      project_key: 'alpha',
      project_name: 'Project alpha',
      description: '',
      is_public: false,
      project_type: 'yaml',
      created_by: 'admin',
      created_time: expect.any(Number),
      updated_time: expect.any(Number),
    });
    const page = await zadig('/openapi/projects/project?pageNum=2&pageSize=2');
    expect(numberAt(page.json, 'total')).toBe(3);
    expect(arrayAt(page.json, 'projects').map((item) => at(item, 'project_key'))).toEqual(['gamma']);
  });

  it('refuses a duplicate project, a bad key, an unknown type, and creation by a non-admin', async () => {
    expect((await project('alpha')).status).toBe(409);
    expect(stringAt((await project('Alpha_1')).json, 'description')).toMatch(/^project_key: /);
    const badType = await zadig('/openapi/projects/project', {
      json: { project_key: 'delta', project_name: 'd', project_type: 'chart' },
    });
    expect(stringAt(badType.json, 'description')).toMatch(/^project_type: /);
    expect(
      (
        await zadig('/openapi/projects/project', {
          token: scopedToken,
          json: { project_key: 'delta', project_name: 'd', project_type: 'yaml' },
        })
      ).status,
    ).toBe(403);
  });

  it('shows a scoped token only its projects', async () => {
    const listed = await zadig('/openapi/projects/project', { token: scopedToken });
    expect(listed.json).toMatchObject({ total: 1, projects: [{ project_key: 'alpha' }] });
    expect((await zadig('/openapi/projects/project/detail?projectKey=beta', { token: scopedToken })).status).toBe(403);
    expect((await zadig('/openapi/projects/project/detail?projectKey=nope')).status).toBe(404);
  });

  it('refuses to delete a project that has environments, and deletes one that has none with its services', async () => {
    await project('doomed');
    await zadig('/openapi/service/yaml/raw?projectKey=doomed', {
      json: { service_name: 'svc', yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n' },
    });
    // An environment of the project, as the environments feature records it.
    await berth.ctx.store.create({ pk: 'PROJECT#doomed', sk: 'ENV#dev' }, { name: 'dev' }, 'exists');
    const refused = await zadig('/openapi/projects/project?projectKey=doomed', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(stringAt(refused.json, 'description')).toContain('environment');
    await berth.ctx.store.remove({ pk: 'PROJECT#doomed', sk: 'ENV#dev' });

    expect((await zadig('/openapi/projects/project?projectKey=doomed', { method: 'DELETE' })).json).toEqual({
      message: 'success',
    });
    expect((await zadig('/openapi/projects/project/detail?projectKey=doomed')).status).toBe(404);
    expect(await berth.rawItem({ pk: 'PROJECT#doomed', sk: 'SERVICE#test#svc' })).toBeUndefined();
    expect(await berth.rawItem({ pk: 'PROJECT#doomed', sk: 'SVCREV#test#svc#000001' })).toBeUndefined();
  });
});

describe('YAML templates', () => {
  const declared = [
    { key: 'port', value: '8080', type: 'string', options: [], desc: 'container port' },
    { key: 'memoryLimit', value: '128Mi', type: 'enum', options: ['128Mi', '256Mi'], desc: 'memory' },
  ];

  it('adds the variables the content uses but does not declare, as empty strings, and keeps the declared ones as given', async () => {
    expect(
      (
        await zadig('/openapi/templates/yaml', {
          json: { name: 'web', content: microserviceTemplate, service_variable_kvs: declared },
        })
      ).status,
    ).toBe(200);
    const template = objectAt((await zadig('/openapi/templates/yaml/web')).json);
    expect(template).toMatchObject({ name: 'web', content: microserviceTemplate, created_by: 'admin' });
    expect(template.service_variable_kvs).toEqual([
      ...declared,
      { key: 'cpuLimit', value: '', type: 'string', options: [], desc: '' },
    ]);
    expect((await zadig('/openapi/templates/yaml')).json).toMatchObject({ total: 1, templates: [{ name: 'web' }] });
  });

  it('refuses a template with an unsupported construct, a duplicate name, and an unknown one', async () => {
    const unsupported = await zadig('/openapi/templates/yaml', { json: { name: 'bad', content: '{{ toYaml .x }}' } });
    expect(unsupported.status).toBe(400);
    expect(stringAt(unsupported.json, 'description')).toContain('function "toYaml" is not supported');
    expect(
      (await zadig('/openapi/templates/yaml', { json: { name: 'web', content: microserviceTemplate } })).status,
    ).toBe(409);
    expect((await zadig('/openapi/templates/yaml/nope')).status).toBe(404);
  });

  it('re-renders the services that follow it, test and production, and leaves the others alone', async () => {
    const load = (path: string, service_name: string, auto_sync: boolean) =>
      zadig(path, {
        json: {
          service_name,
          project_key: 'alpha',
          template_name: 'web',
          auto_sync,
          variable_yaml: [{ key: 'cpuLimit', value: '50m' }],
        },
      });
    await load('/openapi/service/template/load/yaml', 'follows', true);
    await load('/openapi/service/template/production/load/yaml', 'follows', true);
    await load('/openapi/service/template/load/yaml', 'copy', false);

    const newImage = microserviceTemplate.replace('service2:latest', 'service2:v2');
    const updated = await zadig('/openapi/templates/yaml/web', { method: 'PUT', json: { content: newImage } });
    expect(updated.status).toBe(200);
    expect(updated.json).toEqual({
      message: 'success',
      synced_services: ['alpha/follows (production)', 'alpha/follows'],
      sync_errors: [],
    });

    for (const path of ['/openapi/service/yaml/follows', '/openapi/service/yaml/production/follows']) {
      const service = objectAt((await zadig(`${path}?projectKey=alpha`)).json);
      expect(service).toMatchObject({
        yaml: newImage,
        revision: 2,
        containers: [
          { name: 'follows', image: 'koderover.******.com/koderover-demo/service2:v2', image_name: 'service2' },
        ],
      });
      expect(entryWith(arrayAt(service, 'service_variable_kvs'), 'key', 'cpuLimit').value).toBe('50m');
    }
    const copy = (await zadig('/openapi/service/yaml/copy?projectKey=alpha')).json;
    expect(copy).toMatchObject({ revision: 1, yaml: microserviceTemplate });
  });

  it('refuses an edit that would break a follower, naming it, and changes nothing', async () => {
    const breaking = microserviceTemplate.replace('  name: $Service$\n', '  nick: $Service$\n');
    const response = await zadig('/openapi/templates/yaml/web', { method: 'PUT', json: { content: breaking } });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toContain('would break service "follows" of project "alpha"');
    expect(stringAt((await zadig('/openapi/templates/yaml/web')).json, 'content')).not.toContain('nick:');
    expect(numberAt((await zadig('/openapi/service/yaml/follows?projectKey=alpha')).json, 'revision')).toBe(2);
  });

  it('counts followers on the template, so a delete racing a new follower still refuses', async () => {
    await zadig('/openapi/templates/yaml', { json: { name: 'raced', content: microserviceTemplate } });
    await zadig('/openapi/service/template/load/yaml', {
      json: {
        service_name: 'racer',
        project_key: 'alpha',
        template_name: 'raced',
        auto_sync: true,
        variable_yaml: [{ key: 'cpuLimit', value: '1m' }],
      },
    });
    expect((await berth.rawItem({ pk: 'TEMPLATES', sk: 'TEMPLATE#raced' }))?.['followers']).toBe(1);
    // As if the follower committed after the delete looked for followers: only the count can still see it.
    await berth.ctx.store.remove({ pk: 'TEMPLATE#raced', sk: 'USER#alpha#test#racer' });
    const refused = await zadig('/openapi/templates/yaml/raced', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(stringAt(refused.json, 'description')).toContain('gained a follower');
  });

  it('refuses to delete a template services follow, and deletes it once they are gone', async () => {
    const refused = await zadig('/openapi/templates/yaml/web', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(stringAt(refused.json, 'description')).toContain('alpha/follows');
    for (const path of ['/openapi/service/yaml/follows', '/openapi/service/yaml/production/follows']) {
      await zadig(`${path}?projectKey=alpha`, { method: 'DELETE' });
    }
    expect((await zadig('/openapi/templates/yaml/web', { method: 'DELETE' })).json).toEqual({ message: 'success' });
    expect((await zadig('/openapi/templates/yaml/web')).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import type { call } from '../support/http.ts';
import { documentApp, oteCall, userToken } from '../support/ote.ts';

let berth: Harness;
const apps = (path: string, options: Parameters<typeof call>[2] = {}) => oteCall(berth, 'ote-app', path, options);

beforeAll(async () => {
  berth = await createHarness();
  await oteCall(berth, 'ote-repository', '/v1/repository/third', {
    json: { repositoryId: 'repo1', address: 'hub.example.com', user: 'puller', password: 'pull-secret-value' },
  });
});
afterAll(() => berth.close());

describe('applications', () => {
  let appId: number;

  it('POST /v1/app creates the document example: 201, an integer id from the counter', async () => {
    const created = await apps('/v1/app', { json: documentApp });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ code: 201, message: 'success', data: { appName: 'nginx1', version: '1.2' } });
    appId = created.json.data.id;
    expect(Number.isInteger(appId)).toBe(true);
    const second = await apps('/v1/app', { json: { ...documentApp, version: '1.3' } });
    expect(second.json.data.id).toBe(appId + 1);
  });

  it('GET /v1/app and GET /v1/app/id/{appId} answer the document shape (CPU in cores)', async () => {
    const expected = {
      id: appId,
      appName: 'nginx1',
      status: 0,
      deployType: 'deployment',
      image: 'nginx:latest',
      projectName: 'default',
      repositoryId: 'repo1',
      version: '1.2',
      replicas: 10,
      port: [{ port: 8080, hostPort: 9090, protocol: 'TCP' }],
      command: '',
      volume: documentApp.volume,
      dependence: [],
      env: documentApp.env,
      minReplicas: 2,
      maxReplicas: 20,
      minCPU: 0.1,
      maxCPU: 2,
      GPU: 0,
      isHPA: true,
      targetCPUUtilization: 100,
      targetMemUtilization: 150,
      minMemory: 100,
      maxMemory: 200,
      maxUnavailable: 1,
      maxSurge: 1,
      minReadySeconds: 10,
      createTime: expect.any(Number),
      updateTime: expect.any(Number),
    };
    const one = await apps(`/v1/app/id/${appId}`);
    expect(one.json).toEqual({ data: expected, code: 200, message: 'success' });
    const list = await apps('/v1/app?appName=nginx1&appNameMode=strict&version=1.2');
    expect(list.json).toEqual({ data: [expected], apps: [expected], total: 1, code: 200, message: 'success' });
  });

  it('filters by name strict, partial and prefix, and pages with the total of all matches', async () => {
    await apps('/v1/app', { json: { ...documentApp, appName: 'web-nginx', version: '1.0' } });
    const names = async (query: string) =>
      (await apps(`/v1/app?${query}&pageSize=0`)).json.data.map((app: any) => `${app.appName}@${app.version}`);
    expect(await names('appName=nginx&appNameMode=partial')).toEqual(['web-nginx@1.0', 'nginx1@1.3', 'nginx1@1.2']);
    expect(await names('appName=nginx&appNameMode=prefix')).toEqual(['nginx1@1.3', 'nginx1@1.2']);
    expect(await names('appName=nginx&appNameMode=strict')).toEqual([]);
    const page = await apps('/v1/app?pageSize=1&page=2');
    expect(page.json.total).toBe(3);
    expect(page.json.data).toHaveLength(1);
  });

  it('keeps a name and version for ever: the same again is a 409', async () => {
    const again = await apps('/v1/app', { json: documentApp });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({
      code: 409,
      message: 'application "nginx1" version 1.2 already exists; a change is a new version',
    });
  });

  it.each([
    [{ deployType: 'statefulset' }, 'deployType'],
    [{ version: '1' }, 'version'],
    [{ port: [{ port: 70000 }] }, 'port.0.port'],
    [{ port: [{ port: 80, hostPort: 0 }] }, 'port.0.hostPort'],
    [{ replicas: -1 }, 'replicas'],
    [{ replicas: 1.5 }, 'replicas'],
    [{ minCPU: '10' }, 'minCPU'],
    [{ image: 'Nginx:latest' }, 'image'],
    [{ volume: [{ path: 'relative', hostPath: '/usr' }] }, 'volume.0.path'],
    [{ env: [{ name: '1BAD', value: 'x' }] }, 'env.0.name'],
  ])('refuses %j with a 400 naming %s', async (change, field) => {
    const response = await apps('/v1/app', { json: { ...documentApp, version: '2.0', ...change } });
    expect(response.status).toBe(400);
    expect(response.json.code).toBe(400);
    expect(response.json.message).toContain(field);
  });

  it('names both fields when a minimum is above its maximum', async () => {
    const response = await apps('/v1/app', { json: { ...documentApp, version: '2.0', minCPU: 300, maxCPU: 200 } });
    expect(response.json).toEqual({ code: 400, message: 'minCPU (300) must not be above maxCPU (200)' });
    const replicas = await apps('/v1/app', {
      json: { ...documentApp, version: '2.0', minReplicas: 5, maxReplicas: 4 },
    });
    expect(replicas.json.message).toBe('minReplicas (5) must not be above maxReplicas (4)');
  });

  it('answers a missing field, an unknown repository and a non-JSON body', async () => {
    const { minCPU: _, ...withoutCpu } = documentApp;
    expect((await apps('/v1/app', { json: { ...withoutCpu, version: '2.0' } })).json).toEqual({
      code: 400,
      message: 'minCPU is required',
    });
    const unknownRepository = await apps('/v1/app', { json: { ...documentApp, version: '2.0', repositoryId: 'nope' } });
    expect(unknownRepository.json).toEqual({ code: 404, message: 'repository "nope" not found' });
    const text = await apps('/v1/app', {
      body: JSON.stringify(documentApp),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('deletes many at once, and nothing when one id is unknown', async () => {
    const a = (await apps('/v1/app', { json: { ...documentApp, appName: 'del', version: '1.0' } })).json.data.id;
    const b = (await apps('/v1/app', { json: { ...documentApp, appName: 'del', version: '1.1' } })).json.data.id;
    const refused = await apps('/v1/app', { method: 'DELETE', json: { appId: [a, 999999] } });
    expect(refused.json).toEqual({ code: 404, message: 'application "999999" not found' });
    expect((await apps(`/v1/app/id/${a}`)).status).toBe(200);
    const deleted = await apps('/v1/app', { method: 'DELETE', json: { appId: [a, b] } });
    expect(deleted.json).toEqual({ code: 200, message: 'success' });
    expect((await apps(`/v1/app/id/${a}`)).status).toBe(404);
    // The name and version are free again once the application is gone.
    expect((await apps('/v1/app', { json: { ...documentApp, appName: 'del', version: '1.0' } })).status).toBe(201);
  });

  it('keeps a user token to its project: it never sees or changes another project’s applications', async () => {
    const token = await userToken(berth, ['team-a']);
    const own = await apps('/v1/app', { token, json: { ...documentApp, appName: 'mine', version: '1.0' } });
    expect(own.json.data.projectName).toBe('team-a');
    const elsewhere = await apps('/v1/app', {
      token,
      json: { ...documentApp, appName: 'theirs', version: '1.0', projectName: 'team-b' },
    });
    expect(elsewhere.status).toBe(403);
    const listed = (await apps('/v1/app?pageSize=0', { token })).json.data.map((app: any) => app.appName);
    expect(listed).toEqual(['mine']);
    expect((await apps(`/v1/app/id/${appId}`, { token })).status).toBe(404);
    expect((await apps('/v1/app', { token, method: 'DELETE', json: { appId: [appId] } })).status).toBe(404);
  });
});

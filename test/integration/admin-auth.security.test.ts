import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, mintToken, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { numberAt } from '../support/json.ts';

let berth: Harness;
let userToken: string;
beforeAll(async () => {
  berth = await createHarness();
  userToken = await mintToken(berth, { name: 'dev', role: 'user', projects: ['shop'] });
});
afterAll(() => berth.close());

describe('who may call what', () => {
  it.each([
    ['no token', undefined, 401],
    ['a token Berth never issued', 'berth_not-a-real-token', 401],
    ['a user token', 'USER', 403],
    ['the bootstrap admin token', ADMIN_TOKEN, 200],
  ])('admin routes with %s answer %i in Zadig’s envelope', async (_, token, status) => {
    const response = await call(
      berth.apps.admin,
      '/admin/clusters',
      token ? { token: token === 'USER' ? userToken : token } : {},
    );
    expect(response.status).toBe(status);
    if (status !== 200)
      expect(response.json).toEqual({ code: status, message: expect.any(String), description: expect.any(String) });
  });

  it('accepts only the Bearer scheme', async () => {
    const basic = await call(berth.apps.admin, '/admin/clusters', {
      headers: { authorization: `Basic ${ADMIN_TOKEN}` },
    });
    expect(basic.status).toBe(401);
  });

  it('answers a bad token with 401 before looking at the body', async () => {
    const response = await call(berth.apps.admin, '/admin/tokens', { token: 'berth_nope', body: '{not json' });
    expect(response.status).toBe(401);
  });

  it('keeps tokens limited to projects off K8s-service, which acts on a whole cluster', async () => {
    const scoped = await call(berth.apps['k8s-service'], '/v1/k8sservice/getPod?msgId=8&namespace=a&deploymentName=b', {
      token: userToken,
    });
    expect(scoped.status).toBe(403);
    expect(scoped.json).toMatchObject({
      code: 403,
      msgId: '8',
      message: expect.stringContaining('limited to projects [shop]'),
    });
    const unscoped = await mintToken(berth, { name: 'ops', role: 'user' });
    const allowed = await call(
      berth.apps['k8s-service'],
      '/v1/k8sservice/getPod?msgId=8&namespace=a&deploymentName=b',
      { token: unscoped },
    );
    expect(allowed.status).toBe(200);
  });

  it('refuses an oversized body on K8s-service with 413 without reading it, and logs why', async () => {
    berth.logs.length = 0;
    const response = await call(berth.apps['k8s-service'], '/v1/k8sservice/updatePodReplicas', {
      form: { msgId: 'BIG', nameSpace: 'a', deploymentName: 'b', replicas: '1', pad: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ code: 413 });
    expect(response.json).not.toHaveProperty('msgId');
    expect(berth.logs[0]).toMatchObject({ level: 'warn', status: 413, error: 'TooLarge' });
  });

  it('logs a K8s-service cluster failure as an error although the HTTP status is 200', async () => {
    berth.logs.length = 0;
    const response = await call(
      berth.apps['k8s-service'],
      '/v1/k8sservice/getPod?msgId=9&namespace=a&deploymentName=b',
      { token: ADMIN_TOKEN },
    );
    expect(numberAt(response.json, 'code')).toBe(500);
    expect(berth.logs[0]).toMatchObject({ level: 'error', status: 200, error: 'Unavailable' });
  });

  it('K8s-service routes need a token too, in that dialect’s envelope; its connectivity test does not', async () => {
    const denied = await call(berth.apps['k8s-service'], '/v1/k8sservice/getPod?msgId=7&namespace=a&deploymentName=b');
    expect(denied.status).toBe(401);
    expect(denied.json).toMatchObject({
      code: 401,
      msgId: '7',
      responseTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    });
    expect((await call(berth.apps['k8s-service'], '/v1/k8sservice/test')).status).toBe(200);
  });

  it('never writes a token into the request log, even one put in a query string', async () => {
    berth.logs.length = 0;
    await call(berth.apps.admin, `/admin/tokens?limit=5&access_token=${ADMIN_TOKEN}`, { token: ADMIN_TOKEN });
    await call(berth.apps.admin, '/admin/tokens', { token: userToken });
    expect(berth.logs).toHaveLength(2);
    const written = JSON.stringify(berth.logs);
    expect(written).not.toContain(ADMIN_TOKEN);
    expect(written).not.toContain(userToken);
    expect(berth.logs[0]).toEqual({
      level: 'info',
      msg: 'request',
      method: 'GET',
      path: '/admin/tokens',
      status: 200,
      duration_ms: expect.any(Number),
      request_id: expect.any(String),
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';

let berth: Harness;
let userToken: string;
beforeAll(async () => {
  berth = await createHarness();
  userToken = (await call(berth.apps.admin, '/admin/tokens', { token: ADMIN_TOKEN, json: { name: 'dev', role: 'user', projects: ['shop'] } })).json.token;
});
afterAll(() => berth.close());

describe('who may call what', () => {
  it.each([
    ['no token', undefined, 401],
    ['a token Berth never issued', 'berth_not-a-real-token', 401],
    ['a user token', 'USER', 403],
    ['the bootstrap admin token', ADMIN_TOKEN, 200],
  ])('admin routes with %s answer %i in Zadig’s envelope', async (_, token, status) => {
    const response = await call(berth.apps.admin, '/admin/clusters', token ? { token: token === 'USER' ? userToken : token } : {});
    expect(response.status).toBe(status);
    if (status !== 200) expect(response.json).toEqual({ code: status, message: expect.any(String), description: expect.any(String) });
  });

  it('accepts only the Bearer scheme', async () => {
    const basic = await call(berth.apps.admin, '/admin/clusters', { headers: { authorization: `Basic ${ADMIN_TOKEN}` } });
    expect(basic.status).toBe(401);
  });

  it('answers a bad token with 401 before looking at the body', async () => {
    const response = await call(berth.apps.admin, '/admin/tokens', { token: 'berth_nope', body: '{not json' });
    expect(response.status).toBe(401);
  });

  it('K8s-service routes need a token too, in that dialect’s envelope; its connectivity test does not', async () => {
    const denied = await call(berth.apps['k8s-service'], '/v1/k8sservice/getPod?msgId=7&namespace=a&deploymentName=b');
    expect(denied.status).toBe(401);
    expect(denied.json).toMatchObject({ code: 401, msgId: '7', responseTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    expect((await call(berth.apps['k8s-service'], '/v1/k8sservice/test')).status).toBe(200);
  });

  it('never writes a token into the request log', async () => {
    berth.logs.length = 0;
    await call(berth.apps.admin, '/admin/tokens?limit=5', { token: ADMIN_TOKEN });
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

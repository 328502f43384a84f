import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../functions/http/app-shell.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { arrayAt, at } from '../support/json.ts';
import { declaredRoutes } from '../support/route-wiring.ts';
import type { GroupName } from '../../functions/groups.ts';

let berth: Harness;
beforeAll(async () => {
  berth = await createHarness();
});
afterAll(() => berth.close());

const createToken = (body: string) =>
  call(berth.apps.admin, '/admin/tokens', {
    token: ADMIN_TOKEN,
    body,
    headers: { 'content-type': 'application/json' },
  });
const tokenCount = async () =>
  arrayAt((await call(berth.apps.admin, '/admin/tokens', { token: ADMIN_TOKEN })).json, 'items').length;

describe('bad input gets a 400 that names the field, and writes nothing', () => {
  it.each([
    ['malformed JSON', '{"name": "x", ', 'request body is not valid JSON'],
    ['a missing required field', '{"role": "user"}', 'name is required'],
    ['a wrong type', '{"name": 42, "role": "user"}', 'name: '],
    ['an unknown enum value', '{"name": "x", "role": "root"}', 'role: '],
    ['an unknown field', '{"name": "x", "role": "user", "extra": 1}', 'unknown field extra'],
    ['a wrong type deep inside', '{"name": "x", "role": "user", "projects": ["ok", 7]}', 'projects.1: '],
    ['no body', '', 'body is required'],
  ])('%s', async (_, body, description) => {
    const before = await tokenCount();
    const response = await createToken(body);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      code: 400,
      message: 'Bad Request',
      description: expect.stringContaining(description),
    });
    expect(await tokenCount()).toBe(before);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await createToken(JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES), role: 'user' }));
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ code: 413, message: 'Request Entity Too Large' });
  });

  it('answers an unknown route with 404 in the envelope', async () => {
    const response = await call(berth.apps.admin, '/admin/nothing-here', { token: ADMIN_TOKEN });
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ code: 404, message: 'Not Found' });
  });
});

describe('a known path asked with a method it does not serve', () => {
  it('answers 405 with Allow in the dialect’s envelope, on every path every group declares', async () => {
    for (const route of declaredRoutes.filter((declared) => declared.group !== 'docs')) {
      const served = declaredRoutes.filter((other) => other.path === route.path).map((other) => other.method);
      const unserved = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].find((method) => !served.includes(method))!;
      const answer = await call(berth.apps[route.group as GroupName], route.path, {
        method: unserved,
        token: ADMIN_TOKEN,
      });
      const label = `${unserved} ${route.path}`;
      expect(answer.status, label).toBe(405);
      const allowed = answer.headers.get('allow')?.split(', ') ?? [];
      expect(allowed, label).toEqual(expect.arrayContaining(served));
      expect(allowed, label).not.toContain(unserved);
      // V-Kube's envelope holds the error under `error`; the others at the top.
      const envelope = route.group === 'v-kube' ? at(answer.json, 'error') : answer.json;
      expect(envelope, label).toMatchObject({ code: 405 });
    }
  });

  it('gives a literal path its own methods, not those of a parameter route that also matches it', async () => {
    // `/openapi/environments/production/envcfgs` is PUT only, though `POST /openapi/environments/:envKey/envcfgs` matches it.
    const answer = await call(berth.apps['zadig-environment'], '/openapi/environments/production/envcfgs', {
      method: 'POST',
      token: ADMIN_TOKEN,
      json: {},
    });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('PUT');
    expect(answer.json).toEqual({
      code: 405,
      message: 'Method Not Allowed',
      description: 'POST is not allowed on /openapi/environments/production/envcfgs; allowed: PUT',
    });
  });

  it('keeps K8s-service’s envelope, with the HTTP status', async () => {
    const answer = await call(berth.apps['k8s-service'], '/v1/k8sservice/test', { method: 'DELETE' });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD');
    expect(answer.json).toMatchObject({ code: 405, message: expect.stringContaining('allowed: GET, HEAD') });
  });
});

describe('request ids', () => {
  it('puts an x-request-id on every response, errors included, and keeps a sane one the caller sent', async () => {
    const ok = await call(berth.apps.admin, '/admin/tokens', { token: ADMIN_TOKEN });
    const denied = await call(berth.apps.admin, '/admin/tokens');
    const invalid = await createToken('nope');
    for (const response of [ok, denied, invalid])
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const traced = await call(berth.apps.admin, '/admin/tokens', {
      token: ADMIN_TOKEN,
      headers: { 'x-request-id': 'trace-42' },
    });
    expect(traced.headers.get('x-request-id')).toBe('trace-42');
    const hostile = await call(berth.apps.admin, '/admin/tokens', {
      token: ADMIN_TOKEN,
      headers: { 'x-request-id': 'a b\u0001c' },
    });
    expect(hostile.headers.get('x-request-id')).not.toBe('a b\u0001c');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../functions/http/app-shell.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { arrayAt } from '../support/json.ts';

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

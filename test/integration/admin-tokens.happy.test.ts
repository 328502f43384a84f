import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../core/store/keys.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { at, stringAt } from '../support/json.ts';

let berth: Harness;
beforeAll(async () => {
  berth = await createHarness();
});
afterAll(() => berth.close());

describe('API tokens', () => {
  it('mints a token whose value is shown once and which then authenticates', async () => {
    const created = await call(berth.apps.admin, '/admin/tokens', {
      token: ADMIN_TOKEN,
      json: { name: 'ci', role: 'admin' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: expect.any(String),
      name: 'ci',
      role: 'admin',
      projects: null,
      token: expect.stringMatching(/^berth_/),
    });

    const listed = await call(berth.apps.admin, '/admin/tokens', { token: stringAt(created.json, 'token') });
    expect(listed.status).toBe(200);
    expect(at(listed.json, 'items')).toEqual([
      expect.objectContaining({ id: stringAt(created.json, 'id'), name: 'ci' }),
    ]);
    expect(listed.text).not.toContain(stringAt(created.json, 'token'));
    expect(at(listed.json, 'items', 0)).not.toHaveProperty('token');
    expect(at(listed.json, 'items', 0)).not.toHaveProperty('hash');
  });

  it('stores only a SHA-256 hash of the token', async () => {
    const created = await call(berth.apps.admin, '/admin/tokens', {
      token: ADMIN_TOKEN,
      json: { name: 'stored', role: 'user', projects: ['shop'] },
    });
    const item = await berth.rawItem(keys.token(stringAt(created.json, 'id')));
    expect(item).toBeDefined();
    expect(JSON.stringify(item)).not.toContain(stringAt(created.json, 'token'));
    expect(item?.['hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(at(created.json, 'projects')).toEqual(['shop']);
  });

  it('revokes a token: it no longer authenticates, and revoking it again is a 404', async () => {
    const created = await call(berth.apps.admin, '/admin/tokens', {
      token: ADMIN_TOKEN,
      json: { name: 'short-lived', role: 'admin' },
    });
    expect((await call(berth.apps.admin, '/admin/clusters', { token: stringAt(created.json, 'token') })).status).toBe(
      200,
    );

    const revoked = await call(berth.apps.admin, `/admin/tokens/${stringAt(created.json, 'id')}`, {
      method: 'DELETE',
      token: ADMIN_TOKEN,
    });
    expect(revoked.status).toBe(204);
    expect((await call(berth.apps.admin, '/admin/clusters', { token: stringAt(created.json, 'token') })).status).toBe(
      401,
    );

    const again = await call(berth.apps.admin, `/admin/tokens/${stringAt(created.json, 'id')}`, {
      method: 'DELETE',
      token: ADMIN_TOKEN,
    });
    expect(again.status).toBe(404);
    expect(again.json).toEqual({
      code: 404,
      message: 'Not Found',
      description: `token "${stringAt(created.json, 'id')}" not found`,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../core/auth/tokens.ts';
import { keys } from '../../core/store/keys.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { UNREACHABLE_SERVER, kubeconfigFor } from '../support/kubeconfigs.ts';
import { arrayAt, at, numberAt, stringAt, stringOrNullAt } from '../support/json.ts';

let berth: Harness;
beforeAll(async () => {
  berth = await createHarness();
});
afterAll(() => berth.close());

describe('optimistic locking', () => {
  it('lets every concurrent edit either land or get a 409, never lose one', async () => {
    await call(berth.apps.admin, '/admin/clusters', {
      token: ADMIN_TOKEN,
      json: { id: 'contended', name: 'start', kubeconfig: kubeconfigFor({ server: UNREACHABLE_SERVER }) },
    });
    const writers = 20;
    const responses = await Promise.all(
      Array.from({ length: writers }, (_, index) =>
        call(berth.apps.admin, '/admin/clusters/contended', {
          method: 'PATCH',
          token: ADMIN_TOKEN,
          json: { labels: { writer: String(index) } },
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    const landed = responses.filter((response) => response.status === 200);
    expect(landed.length).toBeGreaterThan(0);
    for (const loser of responses.filter((response) => response.status === 409)) {
      expect(loser.json).toMatchObject({
        code: 409,
        message: 'Conflict',
        description: expect.stringContaining('changed by another request'),
      });
    }

    const final = (await call(berth.apps.admin, '/admin/clusters/contended', { token: ADMIN_TOKEN })).json;
    // Created at version 1; each landed edit bumped it exactly once.
    expect(numberAt(final, 'version')).toBe(1 + landed.length);
    // The stored labels are those of the last edit that landed, not a mixture.
    const versions = landed.map((response) => numberAt(response.json, 'version'));
    expect(new Set(versions).size).toBe(landed.length);
    const last = landed.find((response) => numberAt(response.json, 'version') === numberAt(final, 'version'))!;
    expect(at(final, 'labels')).toEqual(at(last.json, 'labels'));
  });
});

describe('pagination', () => {
  it('pages through 1,000 tokens with no duplicates and no gaps', async () => {
    const ids = new Set<string>();
    for (let batch = 0; batch < 20; batch++) {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          createToken({ ctx: berth.ctx, input: { name: `t-${batch}-${index}`, role: 'user' } }),
        ),
      );
      for (const token of created) ids.add(token.id);
    }
    expect(ids.size).toBe(1000);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/admin/tokens?limit=37${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call(berth.apps.admin, query, { token: ADMIN_TOKEN });
      expect(page.status).toBe(200);
      expect(arrayAt(page.json, 'items').length).toBeLessThanOrEqual(37);
      seen.push(...arrayAt(page.json, 'items').map((item) => stringAt(item, 'id')));
      cursor = stringOrNullAt(page.json, 'next_cursor');
      pages++;
    } while (cursor);

    expect(seen).toHaveLength(1000);
    expect(new Set(seen)).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(1000 / 37));
  });

  it('refuses a cursor it did not issue, or one from another list', async () => {
    const clusterCursor = Buffer.from(JSON.stringify(keys.cluster('x'))).toString('base64url');
    for (const cursor of ['garbage!', clusterCursor]) {
      const response = await call(berth.apps.admin, `/admin/tokens?cursor=${cursor}`, { token: ADMIN_TOKEN });
      expect(response.status).toBe(400);
      expect(stringAt(response.json, 'description')).toContain('cursor');
    }
  });

  it.each(['0', '501', 'ten', '-1'])('refuses limit=%s naming the field', async (limit) => {
    const response = await call(berth.apps.admin, `/admin/tokens?limit=${limit}`, { token: ADMIN_TOKEN });
    expect(response.status).toBe(400);
    expect(stringAt(response.json, 'description')).toMatch(/^limit: /);
  });
});

describe('atomic counter', () => {
  it('hands out distinct consecutive integers to concurrent callers', async () => {
    const counter = keys.counter('test');
    const ids = await Promise.all(Array.from({ length: 50 }, () => berth.ctx.store.nextId(counter)));
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
  });
});

describe('observed state', () => {
  it('is written only while the item still says what the writer expects', async () => {
    const key = { pk: 'TEST#annotate', sk: 'ITEM' };
    await berth.ctx.store.create(key, { owner: 'op-2', status: 'updating' }, 'exists');
    // A finished operation that is no longer the latest must not overwrite the newer one's state.
    expect(await berth.ctx.store.annotate(key, { status: 'success' }, { owner: 'op-1' })).toBe(false);
    expect((await berth.rawItem(key))?.['status']).toBe('updating');
    expect(await berth.ctx.store.annotate(key, { status: 'failed' }, { owner: 'op-2' })).toBe(true);
    expect((await berth.rawItem(key))?.['status']).toBe('failed');
    expect(await berth.ctx.store.annotate({ pk: 'TEST#annotate', sk: 'GONE' }, { status: 'x' })).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupFor, groups } from '../../functions/groups.ts';
import { ADMIN_TOKEN, createHarness, type Harness } from '../support/harness.ts';
import { call } from '../support/http.ts';
import { declaredRoutes, isRouterNotFound, shadowedRoutes, unroutedRoutes } from '../support/route-wiring.ts';

let berth: Harness;

beforeAll(async () => {
  berth = await createHarness();
});
afterAll(async () => {
  await berth?.close();
});

/** The group app the local server (and the deployed Router) would give a path to. */
const appFor = (path: string) => {
  const group = groupFor(path);
  if (group === undefined) throw new Error(`no group serves ${path}`);
  return berth.apps[group];
};

describe('the group apps, built as `npm start` builds them', () => {
  it('answer a path no route takes with the router’s own not-found, which the wiring check recognizes', async () => {
    for (const group of groups) {
      // Deeper than any declared path, so that no `/:param` pattern takes it (that would be a 405); two segments
      // at least, because one segment under /hooks is a hook id, which only the table can say is unknown.
      const path = `${group.prefixes[0]}/no-such-route/a/b/c/d/e/f`;
      const answer = await call(appFor(path), path, { method: 'POST', token: ADMIN_TOKEN });
      expect(isRouterNotFound(answer, 'POST', path), `${group.name}: ${answer.text}`).toBe(true);
    }
  });

  it('reach every route contract every group declares, with an admin token', async () => {
    expect(declaredRoutes.length).toBeGreaterThan(50);
    const problems = await unroutedRoutes(declaredRoutes, ({ method, path }) =>
      call(appFor(path), path, { method, token: ADMIN_TOKEN }),
    );
    expect(problems).toEqual([]);
  });

  it('answer each contract’s request with that contract’s own route, not one mounted before it', () => {
    expect(shadowedRoutes(declaredRoutes, (route) => appFor(route.path))).toEqual([]);
  });
});

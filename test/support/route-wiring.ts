import { Hono } from 'hono';
import { dialects } from '../../functions/docs/dialects.ts';
import { groupFor } from '../../functions/groups.ts';
import type { RouteContract } from '../../functions/http/contract.ts';
import { routePath, type Exchange } from './http.ts';
import type { Json } from './json.ts';

/** A route contract, the group that declares it, and a path that fills its parameters with sample values. */
export type DeclaredRoute = { group: string; name: string; contract: RouteContract; method: string; path: string };

/** Sample path parameters: plain names no route takes as a keyword (not "production", "envcfgs", "yaml"). */
const sampleParams = (contract: Pick<RouteContract, 'path'>) =>
  Object.fromEntries([...contract.path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => [name, `sample-${name}`]));

export const declared = (group: string, name: string, contract: RouteContract): DeclaredRoute => ({
  group,
  name,
  contract,
  method: contract.method.toUpperCase(),
  path: routePath(contract, sampleParams(contract)),
});

/** Every route contract every group declares: the lists that also feed the OpenAPI document. */
export const declaredRoutes: DeclaredRoute[] = dialects.flatMap((dialect) =>
  Object.entries(dialect.routes).map(([name, contract]) => declared(dialect.tag, name, contract)),
);

const label = (route: DeclaredRoute) => `${route.group}.${route.name} (${route.method} ${route.path})`;

const stringsIn = (value: Json | undefined): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(stringsIn)
      : typeof value === 'object' && value !== null
        ? Object.values(value).flatMap(stringsIn)
        : [];

/**
 * Whether an answer is the router's own "no route": the app shell's
 * not-found, a 404 whose envelope names the method and path it could not
 * route. A route's own 404 names what it did not find, never the request line.
 */
export const isRouterNotFound = (answer: Pick<Exchange, 'status' | 'json'>, method: string, path: string) =>
  answer.status === 404 && stringsIn(answer.json).some((text) => text.includes(`"${method} ${path}"`));

/** Sends one request the way a deployment would route it, and answers as a client sees it. */
export type Send = (route: Pick<DeclaredRoute, 'method' | 'path'>) => Promise<Pick<Exchange, 'status' | 'json'>>;

/**
 * The routes that are not wired as declared: a path the Router would give to
 * another group, or a request the group's app answers with the router's own
 * not-found. Any other answer (401, 400, a route's own 404, 503) means the
 * request reached the route.
 */
export async function unroutedRoutes(routes: DeclaredRoute[], send: Send): Promise<string[]> {
  const problems: string[] = [];
  for (const route of routes) {
    const servedBy = groupFor(route.path);
    if (servedBy !== route.group) {
      problems.push(`${label(route)}: the Router sends it to ${servedBy ?? 'no group'}`);
      continue;
    }
    const answer = await send(route);
    if (isRouterNotFound(answer, route.method, route.path)) problems.push(`${label(route)}: no route (404)`);
  }
  return problems;
}

/**
 * The routes whose requests another route registered before them would
 * answer (Hono answers with the first match, so mounting order matters:
 * `/production/...` before `/:envKey/...`, `envcfgs` before `:envKey`).
 */
export function shadowedRoutes(routes: DeclaredRoute[], appOf: (route: DeclaredRoute) => unknown): string[] {
  return routes.flatMap((route) => {
    const app = appOf(route);
    if (!(app instanceof Hono)) return [`${label(route)}: its group's app is not a Hono app`];
    const [matches] = app.router.match(route.method, route.path);
    const answering = matches.find(([[, registered]]) => registered.method !== 'ALL')?.[0][1];
    if (answering === undefined) return [];
    return answering.method === route.method && answering.path === route.contract.path
      ? []
      : [`${label(route)}: answered by ${answering.method} ${answering.path}, mounted before it`];
  });
}

import type { Hono } from 'hono';
import type { BerthEnv } from './env.ts';

/** A route an app serves: its method (upper case), its path as declared (`/envs/:envKey`) and how many parameters it has. */
type KnownRoute = { method: string; path: string; parameters: number; matches: (path: string) => boolean };

const routesOfApp = new WeakMap<Hono<BerthEnv>, KnownRoute[]>();

const patternOf = (path: string): RegExp =>
  new RegExp(
    `^${path
      .split(/(:[A-Za-z0-9_]+)/)
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );

/** Records a route of `app`, so that a request can be told apart: an unknown path, or a known one asked with another method. */
export function recordRoute(app: Hono<BerthEnv>, method: string, path: string): void {
  const routes = routesOfApp.get(app) ?? [];
  const pattern = patternOf(path);
  const parameters = path.split('/').filter((segment) => segment.startsWith(':')).length;
  routes.push({ method: method.toUpperCase(), path, parameters, matches: (candidate) => pattern.test(candidate) });
  routesOfApp.set(app, routes);
}

/**
 * The routes a request path belongs to: of the declared paths it matches, the
 * most literal ones. `/openapi/environments/production` is the production
 * list's path, even though `/openapi/environments/:envKey` matches it too.
 */
export function routesOfPath(app: Hono<BerthEnv>, path: string): { paths: Set<string>; methods: string[] } {
  const matching = (routesOfApp.get(app) ?? []).filter((route) => route.matches(path));
  const fewest = Math.min(...matching.map((route) => route.parameters));
  const closest = matching.filter((route) => route.parameters === fewest);
  const methods = [...new Set(closest.map((route) => route.method))];
  // HEAD is answered wherever GET is (Hono runs the GET route without the body).
  return {
    paths: new Set(closest.map((route) => route.path)),
    methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods,
  };
}

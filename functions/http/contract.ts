import type { Context, Hono } from 'hono';
import type * as v from 'valibot';
import { requireAdmin, requireClusterWideAccess } from '../../core/auth/authenticate.ts';
import { MethodNotAllowedError } from '../../core/errors.ts';
import type { Principal } from '../../core/auth/schemas.ts';
import type { BerthEnv } from './env.ts';
import { answerIdempotently } from './idempotency.ts';
import { recordRoute, routesOfPath } from './known-routes.ts';
import { readBody, validate, type BodyFormat } from './validation.ts';

/**
 * Who may call a route: anyone, any valid token, a token that is not limited
 * to projects (routes acting on a whole cluster), or an admin token.
 */
export type Access = 'public' | 'token' | 'cluster' | 'admin';

/**
 * One route's contract: what it accepts and who may call it. The same object
 * validates requests, types the handler's input and feeds the OpenAPI document.
 */
export type RouteContract = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tags: readonly string[];
  access: Access;
  params?: v.GenericSchema;
  query?: v.GenericSchema;
  body?: v.GenericSchema;
  bodyFormats?: readonly BodyFormat[];
  responses: Readonly<Record<number, DocumentedResponse>>;
  /**
   * Rules the handler or core checks that no schema states (one field must
   * match another, a YAML text must hold Kubernetes objects): the document
   * lists them with the 400 that answers a request breaking one.
   */
  rules?: readonly string[];
  /**
   * Plain schemas for the OpenAPI document, where the validating ones normalize input (spellings, strings to
   * numbers), and headers a handler reads itself (V-Kube's order `secret`).
   */
  docs?: { query?: v.GenericSchema; body?: v.GenericSchema; headers?: v.GenericSchema };
};

/**
 * A documented answer. `failures` are answers with this (success) status that
 * report a failure in the body, as the dialect's document gives them
 * (V-Kube's host-port check: 200 with status `InternalErr`), by name.
 */
export type DocumentedResponse = {
  description: string;
  example?: unknown;
  failures?: Readonly<Record<string, unknown>>;
};

type Output<S> = S extends v.GenericSchema ? v.InferOutput<S> : undefined;

export type RouteInput<C extends RouteContract> = {
  params: Output<C['params']>;
  query: Output<C['query']>;
  body: Output<C['body']>;
};

export const defineRoute = <const C extends RouteContract>(contract: C): C => contract;

export type Authenticate = (token: string | undefined) => Promise<Principal>;

export type RouteHandler<C extends RouteContract> = (
  c: Context<BerthEnv>,
  input: RouteInput<C>,
) => Response | Promise<Response>;

/**
 * Mounts contracts on an app: authenticate (unless public), authorize admin
 * routes, answer a repeated `Idempotency-Key` from its first answer, validate
 * params, query and body, then call the handler. Errors are
 * thrown, so the app's single `onError` shapes them in the dialect's envelope.
 * Each contract's path is recorded, so that the shell answers a known path
 * asked with another method 405 with `Allow`, not 404.
 */
export function createRouter(app: Hono<BerthEnv>, { authenticate }: { authenticate: Authenticate }) {
  return function route<C extends RouteContract>(contract: C, handler: RouteHandler<C>): void {
    recordRoute(app, contract.method, contract.path);
    app.on(contract.method.toUpperCase(), contract.path, async (c) => {
      // `POST /envs/production/envcfgs` matches `POST /envs/:envKey/envcfgs`, but its path is the literal route's.
      const owner = routesOfPath(app, c.req.path);
      if (!owner.paths.has(contract.path)) throw new MethodNotAllowedError(c.req.method, c.req.path, owner.methods);
      if (contract.access !== 'public') {
        const principal = await authenticate(bearerToken(c.req.header('authorization')));
        if (contract.access === 'admin') requireAdmin(principal);
        if (contract.access === 'cluster') requireClusterWideAccess(principal);
        c.set('principal', principal);
      }
      return answerIdempotently(c, async () => {
        const input = {
          params: contract.params ? validate(contract.params, c.req.param(), 'path') : undefined,
          query: contract.query ? validate(contract.query, c.req.query(), 'query') : undefined,
          body: contract.body ? validate(contract.body, await readParsedBody(c, contract), 'body') : undefined,
        } as RouteInput<C>;
        return handler(c, input);
      });
    });
  };
}

async function readParsedBody(c: Context<BerthEnv>, contract: RouteContract): Promise<unknown> {
  const body = await readBody(c, contract.bodyFormats ?? ['json']);
  c.set('parsedBody', body);
  return body;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** What `createRouter` returns: mounts one contract with its handler. */
export type Route = ReturnType<typeof createRouter>;

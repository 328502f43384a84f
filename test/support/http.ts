import type * as v from 'valibot';
import type { RouteContract } from '../../functions/http/contract.ts';
import type { Json } from './json.ts';

type Fetchable = { fetch: (request: Request) => Response | Promise<Response> };

export type CallOptions = {
  method?: string;
  token?: string;
  /** Sent as JSON whatever it is: tests send wrong bodies on purpose. */
  json?: unknown;
  form?: Record<string, string>;
  /** Sent as multipart/form-data (the boundary set by the request). */
  multipart?: FormData;
  body?: string;
  headers?: Record<string, string>;
};

/** One exchange as a client sees it; `json` is the parsed body, undefined when the body is empty or not JSON. */
export type Exchange = { status: number; headers: Headers; text: string; json: Json | undefined };

/** One HTTP exchange with an app, by the path as a client (or the spec) writes it. */
export async function call(app: Fetchable, path: string, options: CallOptions = {}): Promise<Exchange> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('authorization', `Bearer ${options.token}`);
  let body: string | FormData | undefined = options.body ?? options.multipart;
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  }
  if (options.form) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(options.form).toString();
  }
  const response = await app.fetch(
    new Request(`http://berth.test${path}`, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
    }),
  );
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parseJson(text) };
}

function parseJson(text: string): Json | undefined {
  try {
    return text === '' ? undefined : (JSON.parse(text) as Json);
  } catch {
    return undefined;
  }
}

/** A part of a request the contract declares, typed by its schema's input; one it does not declare cannot be given. */
type Part<Name extends string, Schema> = [Schema] extends [v.GenericSchema]
  ? { [K in Name]: v.InferInput<Schema> }
  : { [K in Name]?: never };

/** A request to one route: its path parameters, query and JSON body as the contract types them. */
export type RouteRequest<C extends RouteContract> = Part<'params', C['params']> &
  Part<'query', C['query']> &
  Part<'json', C['body']> & { token?: string; headers?: Record<string, string> };

/** The path of a contract with its parameters filled in, and the query string. */
export function routePath(
  contract: Pick<RouteContract, 'path'>,
  params: Record<string, unknown> = {},
  query: Record<string, unknown> = {},
): string {
  const path = contract.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`${contract.path} needs the parameter ${name}`);
    return encodeURIComponent(String(params[name]));
  });
  const search = new URLSearchParams(
    Object.entries(query).flatMap(
      ([name, value]): Array<[string, string]> => (value === undefined ? [] : [[name, String(value)]]),
    ),
  ).toString();
  return search ? `${path}?${search}` : path;
}

/**
 * One HTTP exchange with a route named by its contract: the method and path
 * come from the contract, and what is sent is checked against its schemas at
 * compile time.
 *
 * @example callRoute(app, adminRoutes.getCluster, { params: { id: 'local' }, token })
 */
export function callRoute<C extends RouteContract>(
  app: Fetchable,
  contract: C,
  request: RouteRequest<C>,
): Promise<Exchange> {
  const { params, query, ...options } = request as RouteRequest<RouteContract> & {
    params?: Record<string, unknown>;
    query?: Record<string, unknown>;
  };
  return call(app, routePath(contract, params, query), { ...options, method: contract.method.toUpperCase() });
}

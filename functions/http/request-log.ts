import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { BerthEnv } from './env.ts';

const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;

export type LogLine = (entry: Record<string, unknown>) => void;

export const jsonLogLine: LogLine = (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`);

/** What the layers below HTTP count for the request being served. */
type RequestCounters = { clusterRetries: number };

const currentRequest = new AsyncLocalStorage<RequestCounters>();

/**
 * The cluster clients' retry observer: counts a retry against the request
 * being served, so that core never sees a request. Outside a request (the
 * stream worker) there is no log line to count in.
 */
export const countClusterRetry = (): void => {
  const counters = currentRequest.getStore();
  if (counters) counters.clusterRetries += 1;
};

/**
 * Gives every request an id (the caller's `x-request-id` when it is sane),
 * echoes it on the response, and logs one JSON line when the response is
 * done. Only the path is logged: query strings and bodies may hold secrets.
 */
export function requestLog(log: LogLine = jsonLogLine) {
  return createMiddleware<BerthEnv>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    const counters: RequestCounters = { clusterRetries: 0 };
    await currentRequest.run(counters, next);
    c.res.headers.set('x-request-id', requestId);
    // Some dialects answer failures with HTTP 200 and a code in the body; the
    // domain error the request ended with is what tells the log it failed.
    const errorCode = c.get('errorCode');
    const failed = c.res.status >= 500 || errorCode === 'Unavailable' || errorCode === 'Internal';
    log({
      level: failed ? 'error' : errorCode ? 'warn' : 'info',
      msg: 'request',
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      request_id: requestId,
      ...(errorCode ? { error: errorCode } : {}),
      ...(counters.clusterRetries > 0 ? { cluster_retries: counters.clusterRetries } : {}),
    });
  });
}

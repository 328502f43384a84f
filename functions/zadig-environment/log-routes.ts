import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import * as v from 'valibot';
import { ProjectKey } from '../../core/auth/schemas.ts';
import { DomainError } from '../../core/errors.ts';
import {
  DEFAULT_MAX_LOG_STREAM_MS,
  LOG_TAILS,
  LogSince,
  LogTails,
  openPodLog,
  type PodLog,
} from '../../core/environments/pod-logs.ts';
import { EnvKey } from '../../core/environments/schemas.ts';
import { Rfc1123Label, Rfc1123Subdomain } from '../../core/names.ts';
import { defineRoute, type Route } from '../http/contract.ts';
import { documentedRule, integerText } from '../http/documented.ts';
import type { BerthEnv } from '../http/env.ts';
import { jsonLogLine, type LogLine } from '../http/request-log.ts';
import type { ZadigEnvironmentDeps } from './app.ts';

const tags = ['zadig-environment'] as const;

/** An SSE comment every so often: proxies (CloudFront cuts a response after 30 s of silence) keep the stream open, and a gone reader shows. */
export const DEFAULT_LOG_HEARTBEAT_MS = 15_000;

/** Bytes written but not yet taken by the client; past this, the client reads slower than the log grows and the stream ends. */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024;

export const logRoutes = {
  containerLogs: defineRoute({
    method: 'get',
    path: '/openapi/logs/sse/pods/:pod/containers/:container',
    summary: 'Follow a container’s log as Server-Sent Events (`production=true`: of a production environment)',
    tags,
    access: 'token',
    params: v.object({ pod: Rfc1123Subdomain, container: Rfc1123Label }),
    query: v.object({
      projectKey: ProjectKey,
      envName: EnvKey,
      tails: LogTails,
      since: v.optional(LogSince),
      production: v.optional(
        v.pipe(
          v.picklist(['true', 'false'], 'must be true or false'),
          v.transform((value) => value === 'true'),
        ),
        'false',
      ),
    }),
    docs: {
      query: v.object({
        projectKey: ProjectKey,
        envName: EnvKey,
        tails: v.optional(
          integerText({
            minimum: 0,
            maximum: LOG_TAILS.max,
            description: `Lines of history; default ${LOG_TAILS.default}`,
          }),
        ),
        since: v.optional(
          v.pipe(
            v.string(),
            v.description('Only lines newer than this'),
            documentedRule('must be seconds (300) or a duration (5m, 1h30m)'),
          ),
        ),
        production: v.optional(v.picklist(['true', 'false'])),
      }),
    },
    responses: {
      200: {
        description:
          'text/event-stream: `event: message` with `data: <line>` per log line (the `tails` last ones first, then new ones as they are written), ' +
          'a `: keepalive` comment while quiet, and at the end `event: end` (`data: max-duration` or `data: log-ended`) or `event: error` (`data: <what failed>`). ' +
          'The pod must run in the environment’s namespace and have the container; every refusal is answered before the stream starts.',
      },
    },
  }),
};

export type LogRouteDeps = ZadigEnvironmentDeps & {
  /** When a stream ends by itself (a Lambda response stream must end before the function's timeout). */
  maxLogStreamMs?: number;
  /** How often a quiet stream sends a keepalive comment; a write the client has not taken for three of these ends the stream. */
  logHeartbeatMs?: number;
};

/** Why a log stream ended, as its closing log line says. */
type StreamEnd = 'client-gone' | 'client-stalled' | 'client-too-slow' | 'max-duration' | 'log-ended' | 'error';

export function mountLogRoutes(route: Route, deps: LogRouteDeps): void {
  const { ctx, connections, log = jsonLogLine } = deps;
  const limits = {
    maxDurationMs: deps.maxLogStreamMs ?? DEFAULT_MAX_LOG_STREAM_MS,
    heartbeatMs: deps.logHeartbeatMs ?? DEFAULT_LOG_HEARTBEAT_MS,
  };

  route(logRoutes.containerLogs, async (c, { params, query }) => {
    // Every check runs before the stream starts, so a mistake is an ordinary error response in Zadig's envelope.
    const podLog = await openPodLog({
      ctx,
      principal: c.get('principal'),
      projectKey: query.projectKey,
      scope: query.production ? 'production' : 'test',
      envKey: query.envName,
      connections,
      pod: params.pod,
      container: params.container,
      tails: query.tails,
      sinceSeconds: query.since,
    });
    return streamSSE(c, (stream) => sendLog(c, stream, podLog, { ...limits, log }));
  });
}

/**
 * Follows the log into the SSE stream until the client goes away (the
 * stream's abort, or the request's signal), the maximum duration, or the end
 * of the log. Log lines arrive as fast as the cluster sends them, so what the
 * client has not read yet is bounded: a client that stops reading (a Lambda
 * response stream whose client left never cancels the body, it only stops
 * reading) or falls too far behind ends the stream, and with it the cluster request.
 */
async function sendLog(
  c: Context<BerthEnv>,
  stream: SSEStreamingApi,
  podLog: PodLog,
  { maxDurationMs, heartbeatMs, log }: { maxDurationMs: number; heartbeatMs: number; log: LogLine },
): Promise<void> {
  const started = performance.now();
  const stop = new AbortController();
  let reason: StreamEnd | undefined;
  const end = (why: StreamEnd) => {
    reason ??= why;
    stop.abort();
  };
  stream.onAbort(() => end('client-gone'));
  const request = c.req.raw.signal;
  const onRequestAbort = () => end('client-gone');
  if (request.aborted) onRequestAbort();
  request.addEventListener('abort', onRequestAbort, { once: true });

  let lines = 0;
  let unreadBytes = 0;
  let lastTaken = Date.now();
  // Writes queue in order; none is awaited here, so a slow client never blocks reading the cluster's stream.
  const send = (text: string) => {
    const bytes = Buffer.byteLength(text);
    unreadBytes += bytes;
    const taken = () => {
      unreadBytes -= bytes;
      lastTaken = Date.now();
    };
    void stream.write(text).then(taken, taken);
    if (unreadBytes > MAX_UNREAD_BYTES) end('client-too-slow');
  };
  const heartbeat = setInterval(() => {
    if (unreadBytes > 0 && Date.now() - lastTaken > 3 * heartbeatMs) return end('client-stalled');
    send(': keepalive\n\n');
  }, heartbeatMs);
  send(': connected\n\n');

  let failure: DomainError | undefined;
  try {
    const ended = await podLog.follow(
      (line) => {
        if (stop.signal.aborted) return;
        lines++;
        send(sseEvent('message', line.endsWith('\r') ? line.slice(0, -1) : line));
      },
      { signal: stop.signal, maxDurationMs },
    );
    if (ended !== 'aborted') reason = ended;
  } catch (error) {
    failure =
      error instanceof DomainError ? error : new DomainError('Internal', 'the log stream failed', { cause: error });
    reason = 'error';
  } finally {
    clearInterval(heartbeat);
    request.removeEventListener('abort', onRequestAbort);
  }

  if (reason === 'max-duration' || reason === 'log-ended') send(sseEvent('end', reason));
  if (reason === 'client-too-slow')
    send(sseEvent('error', 'the client reads slower than the log grows; reconnect with since= to continue'));
  if (failure) send(sseEvent('error', failure.message));
  // A reader that stopped reading never takes the queued writes: drop them, or closing would wait forever.
  if (reason === 'client-stalled') stream.abort();
  log({
    level: failure?.code === 'Internal' ? 'error' : failure ? 'warn' : 'info',
    msg: 'log stream ended',
    reason,
    pod: `${podLog.namespace}/${podLog.pod}`,
    container: podLog.container,
    lines,
    duration_ms: Math.round(performance.now() - started),
    request_id: c.get('requestId'),
    ...(failure ? { error: failure.code } : {}),
    // Only the first line of an unexpected error: messages of client libraries can carry request headers.
    ...(failure?.code === 'Internal'
      ? { detail: String((failure.cause as Error | undefined)?.message).split('\n')[0] }
      : {}),
  });
}

/** One SSE event; a line holding `\r` splits into several `data:` fields, which the client joins back with `\n`. */
function sseEvent(event: string, data: string): string {
  return `event: ${event}\n${data
    .split(/\r\n|\r|\n/)
    .map((part) => `data: ${part}`)
    .join('\n')}\n\n`;
}

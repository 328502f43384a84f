import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException } from '@kubernetes/client-node';
import { fromStatus, parseStatus, type CallSubject } from './kube-errors.ts';
import { UnavailableError } from '../errors.ts';

/**
 * What repeating a request can do, which decides when it may be sent again:
 * - `read`: nothing;
 * - `idempotent-write`: sent twice, it leaves the object as sent once (server-side apply, and patches that only
 *   set absolute values or carry a resourceVersion);
 * - `write`: a second copy could act twice or answer differently (a create, a delete).
 */
export type Repeatability = 'read' | 'idempotent-write' | 'write';

/** One retry, as the request log counts it. */
export type ClusterRetry = {
  subject: CallSubject;
  /** The attempt that failed, from 1. */
  attempt: number;
  reason: 'retry-after' | 'connection-refused' | 'connection-lost';
  /** How long the call waits before the next attempt. */
  delayMs: number;
};

export type RetryObserver = (retry: ClusterRetry) => void;

export type RetryPolicy = {
  /** The whole call's deadline: every attempt and every wait fit in it. */
  timeoutMs: number;
  onRetry?: RetryObserver | undefined;
  /** The jitter source, in [0, 1). */
  random?: () => number;
};

/**
 * client-go's cap (`maxRetries` of rest.Request), so a server answering `Retry-After: 0` cannot loop a call.
 * Backoff needs no cap: its waits grow to a second and more, and the deadline ends them.
 */
const MAX_RETRY_AFTER_ATTEMPTS = 10;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2000;

/**
 * Runs one cluster request with the retries client-go makes, bounded by the call's deadline:
 * - a 429 with `Retry-After` is retried for every request: the API server refused it before doing anything
 *   (priority and fairness, or a resource whose storage is still initializing);
 * - a refused connection is retried for every request too: nothing was sent (an API server restarting);
 * - a 503 with `Retry-After`, and a connection lost mid-request (reset, closed), are retried for reads and
 *   idempotent writes only, since the server may have acted on the first copy;
 * - a connection refused or lost waits a jittered exponential backoff, a `Retry-After` what the server asked;
 * - a wait that would end past the deadline is not started: the call fails at once, with the server's answer.
 * So a cluster that stays down answers at the deadline, not at once: the price of riding out a restart.
 *
 * `attempt` gets the signal that ends it at the deadline.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  request: { subject: CallSubject; repeatability: Repeatability },
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = performance.now() + policy.timeoutMs;
  const random = policy.random ?? Math.random;
  for (let attemptNumber = 1; ; attemptNumber++) {
    const remainingMs = Math.max(1, Math.ceil(deadline - performance.now()));
    try {
      return await attempt(AbortSignal.timeout(remainingMs));
    } catch (error) {
      const next = nextAttempt(error, request.repeatability, attemptNumber, random);
      if (next === undefined) throw error;
      if (performance.now() + next.delayMs >= deadline) {
        if (next.reason !== 'retry-after') throw error;
        throw pastDeadline(error as ApiException<unknown>, request.subject, next.delayMs, policy.timeoutMs);
      }
      policy.onRetry?.({ subject: request.subject, attempt: attemptNumber, ...next });
      await sleep(next.delayMs);
    }
  }
}

function nextAttempt(
  error: unknown,
  repeatability: Repeatability,
  attemptNumber: number,
  random: () => number,
): Pick<ClusterRetry, 'reason' | 'delayMs'> | undefined {
  if (error instanceof ApiException) {
    if (attemptNumber >= MAX_RETRY_AFTER_ATTEMPTS) return undefined;
    const askedToWait = error.code === 429 || (error.code === 503 && repeatability !== 'write');
    const retryAfterMs = askedToWait ? retryAfterOf(error) : undefined;
    return retryAfterMs === undefined ? undefined : { reason: 'retry-after', delayMs: retryAfterMs };
  }
  const reason = hasCode(error, CONNECTION_REFUSED)
    ? 'connection-refused'
    : repeatability !== 'write' && hasCode(error, CONNECTION_LOST)
      ? 'connection-lost'
      : undefined;
  if (reason === undefined) return undefined;
  // "Equal jitter": half the exponential step, plus a random part of the other half.
  const step = Math.min(BACKOFF_BASE_MS * 2 ** (attemptNumber - 1), BACKOFF_CAP_MS);
  return { reason, delayMs: Math.round(step / 2 + (random() * step) / 2) };
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterOf(error: ApiException<unknown>): number | undefined {
  const headers = (error.headers ?? {}) as Record<string, string | undefined>;
  const value = headers['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Nothing accepted the connection, so no request went out. */
const CONNECTION_REFUSED = new Set(['ECONNREFUSED']);
/** The errors undici reports when a connection that was open breaks: the request may or may not have arrived. */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Whether the error, or one of its causes (fetch wraps the socket's error), carries one of `codes`. */
function hasCode(error: unknown, codes: Set<string>): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && codes.has(code)) return true;
  }
  return false;
}

function pastDeadline(error: ApiException<unknown>, subject: CallSubject, waitMs: number, timeoutMs: number) {
  const answer = fromStatus(error.code, parseStatus(error.body), subject).message;
  return new UnavailableError(
    `${answer} (it asked to be retried in ${Math.ceil(waitMs / 1000)} s, past this call's ${timeoutMs} ms deadline)`,
    error,
  );
}

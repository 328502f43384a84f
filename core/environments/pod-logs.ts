import * as v from 'valibot';
import type { ClusterConnections, KubeObject, LogOptions } from '../cluster/gateway.ts';
import { NotFoundError } from '../errors.ts';
import { requireEnvironment, type EnvRef } from './environment-item.ts';

/** Lines of history sent before following: Zadig's own default, and a bound that keeps one burst small. */
export const LOG_TAILS = { default: 10, max: 10_000 } as const;

/** Lambda's limit is 15 minutes; stop following a minute before, so the stream ends cleanly instead of being cut. */
export const DEFAULT_MAX_LOG_STREAM_MS = 14 * 60_000;

/**
 * `tails`: how many lines of history. Absent or empty means the default (as in
 * Zadig, whose handler falls back to 10); anything else must be a whole number
 * (Zadig would silently use 10 for `tails=abc`; a 400 tells the caller instead).
 */
export const LogTails = v.pipe(
  v.optional(v.string(), ''),
  v.check((text) => text === '' || /^\d{1,9}$/.test(text), 'must be a non-negative integer'),
  v.transform((text) => (text === '' ? LOG_TAILS.default : Number(text))),
  v.maxValue(LOG_TAILS.max, `must be at most ${LOG_TAILS.max}`),
);

/**
 * `since`: only lines newer than this. Seconds (`300`), or a Go duration as
 * Zadig's handler parses it (`5m`, `1h30m`, `90s`). Kubernetes takes whole
 * seconds of at least 1, so shorter durations (and `0`) mean one second, as in Zadig.
 */
export const LogSince = v.pipe(
  v.string(),
  v.check((text) => parseSinceSeconds(text) !== undefined, 'must be seconds (e.g. 300) or a duration (e.g. 5m, 1h30m)'),
  v.transform((text) => parseSinceSeconds(text)!),
);

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Seconds from `300` or a Go duration (`5m`, `1h30m`); undefined when it is neither. */
export function parseSinceSeconds(text: string): number | undefined {
  if (/^\d{1,12}$/.test(text)) return Math.max(1, Number(text));
  if (text === '') return undefined;
  let ms = 0;
  for (let index = 0; index < text.length; ) {
    DURATION_PART.lastIndex = index;
    const part = DURATION_PART.exec(text);
    if (!part) return undefined;
    ms += Number(part[1]) * UNIT_MS[part[2]!]!;
    index = DURATION_PART.lastIndex;
  }
  const seconds = Math.floor(ms / 1000);
  return Number.isSafeInteger(seconds) ? Math.max(1, seconds) : undefined;
}

/** Why following stopped: the caller's signal, the maximum duration, or the container's log ended (pod gone, container exited). */
export type PodLogEnd = 'aborted' | 'max-duration' | 'log-ended';

/** A container log that was checked and can be followed. */
export type PodLog = {
  namespace: string;
  pod: string;
  container: string;
  /**
   * Calls `onLine` for each line (the `tails` last ones first) until `signal`
   * aborts, `maxDurationMs` passes or the log ends; the cluster request is
   * cancelled in every case. Rejects only when the cluster fails while the
   * follow was still wanted (an UnavailableError, or NotFound if the pod went away).
   */
  follow(onLine: (line: string) => void, options: { signal: AbortSignal; maxDurationMs?: number }): Promise<PodLogEnd>;
};

export type OpenPodLogInput = EnvRef & {
  connections: ClusterConnections;
  pod: string;
  container: string;
  /** Validated by `LogTails`. */
  tails: number;
  /** Validated by `LogSince`. */
  sinceSeconds?: number | undefined;
};

/**
 * Checks everything a log stream needs before it starts, so that every
 * mistake is an ordinary error response: the environment (after the project
 * check), the pod (looked up in the environment's namespace only: a pod of
 * another namespace is "not found", whoever can see it elsewhere) and the
 * container in that pod.
 *
 * @example
 * const log = await openPodLog({ ctx, principal, projectKey: 'shop', scope: 'test', envKey: 'dev', connections, pod, container: 'web', tails: 10 });
 * const end = await log.follow((line) => send(line), { signal, maxDurationMs: 60_000 });
 */
export async function openPodLog({
  connections,
  pod,
  container,
  tails,
  sinceSeconds,
  ...ref
}: OpenPodLogInput): Promise<PodLog> {
  const env = await requireEnvironment(ref);
  const cluster = await connections.get(env.clusterId);
  const object = await cluster.getObject({ apiVersion: 'v1', kind: 'Pod', name: pod, namespace: env.namespace });
  if (!object) throw new NotFoundError('pod', pod);
  if (!containerNames(object).includes(container)) throw new NotFoundError('container', `${pod}/${container}`);

  const options: LogOptions = { container, tailLines: tails, ...(sinceSeconds === undefined ? {} : { sinceSeconds }) };
  return {
    namespace: env.namespace,
    pod,
    container,
    async follow(onLine, { signal, maxDurationMs = DEFAULT_MAX_LOG_STREAM_MS }) {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), maxDurationMs);
      const stop = AbortSignal.any([signal, deadline.signal]);
      try {
        await cluster.followLog(env.namespace, pod, options, onLine, stop);
      } catch (error) {
        // Cancelling while still connecting surfaces as the request's abort: that is a normal end.
        if (!stop.aborted) throw error;
      } finally {
        clearTimeout(timer);
      }
      if (signal.aborted) return 'aborted';
      return deadline.signal.aborted ? 'max-duration' : 'log-ended';
    },
  };
}

/** Every container `kubectl logs -c` accepts: regular, init and ephemeral ones. */
function containerNames(pod: KubeObject): string[] {
  const spec = (pod['spec'] ?? {}) as Record<string, Array<{ name?: string }> | undefined>;
  return [...(spec['containers'] ?? []), ...(spec['initContainers'] ?? []), ...(spec['ephemeralContainers'] ?? [])].map(
    (item) => item.name ?? '',
  );
}

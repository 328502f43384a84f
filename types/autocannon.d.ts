/**
 * The part of autocannon's programmatic API the load bench uses. autocannon
 * ships no declarations and the project takes one devDependency for the load
 * driver, not a second for its types.
 */
declare module 'autocannon' {
  export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

  /** What one request of a sequence is built from; `setupRequest` may rewrite it before each send. */
  export type Request = {
    method?: Method;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  };

  /** Per connection, cleared each time the connection starts its sequence again. */
  export type Context = Record<string, unknown>;

  export type SequenceRequest = Request & {
    setupRequest?: (request: Request, context: Context) => Request;
    onResponse?: (status: number, body: string, context: Context, headers: Record<string, string>) => void;
  };

  export type Options = {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    headers?: Record<string, string>;
    requests?: SequenceRequest[];
  };

  export type Histogram = { average: number; total: number; p50: number; p99: number };

  export type Result = {
    duration: number;
    /** Per-second samples of completed requests; `total` counts them all. */
    requests: Histogram & { sent: number };
    /** Milliseconds. */
    latency: Histogram;
    /** Requests that got no answer, timeouts included. */
    errors: number;
    timeouts: number;
    non2xx: number;
  };

  export type Instance = PromiseLike<Result> & {
    on(event: 'reqError', listener: (error: Error) => void): Instance;
  };

  export default function autocannon(options: Options): Instance;
}

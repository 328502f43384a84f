import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigFor } from './kubeconfigs.ts';

/** How the proxy answers a request it was told to disturb, instead of passing it on. */
export type Disturbance =
  | { answer: 429 | 503; retryAfterSeconds: number }
  /** Drops the connection with a TCP reset, as a load balancer or a restarting API server does. */
  | { answer: 'reset' };

type Rule = { method: string; path: RegExp; times: number; disturbance: Disturbance };

export type PushbackProxy = {
  /** A kubeconfig whose server is the proxy (plain HTTP on loopback; the proxy holds the real credentials). */
  kubeconfig: string;
  /** The next `times` requests with this method and a path matching `path` are disturbed, then passed on. */
  disturb(method: string, path: RegExp, times: number, disturbance: Disturbance): void;
  /** Every request the proxy received, in order, as `METHOD /path`. */
  received: string[];
  close(): Promise<void>;
};

/**
 * A proxy on loopback in front of the real API server, which answers as a
 * server under pressure does (429 or 503 with `Retry-After`, or a reset
 * connection) a set number of times, then passes requests through.
 */
export async function startPushbackProxy(upstreamKubeconfig: string, { port = 0 } = {}): Promise<PushbackProxy> {
  const upstream = new KubeConfig();
  upstream.loadFromString(upstreamKubeconfig);
  const server = new URL(upstream.getCurrentCluster()!.server);
  const rules: Rule[] = [];
  const received: string[] = [];

  const passOn = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const headers = { ...incoming.headers, host: server.host };
    delete headers.authorization; // the client's token is the proxy's; the upstream's credentials are added below
    const options: RequestOptions = { method: incoming.method!, headers };
    await upstream.applyToHTTPSOptions(options);
    const forwarded = httpsRequest(new URL(incoming.url!, server), options, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  };

  const proxy = createServer((incoming, outgoing) => {
    received.push(`${incoming.method} ${incoming.url!.split('?')[0]}`);
    const rule = rules.find(
      (candidate) => candidate.times > 0 && candidate.method === incoming.method && candidate.path.test(incoming.url!),
    );
    if (rule === undefined) return void passOn(incoming, outgoing);
    rule.times -= 1;
    const { disturbance } = rule;
    if (disturbance.answer === 'reset') return void incoming.socket.resetAndDestroy();
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: disturbance.answer === 429 ? 'storage is (re)initializing' : 'the server is shutting down',
      reason: disturbance.answer === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
      details: { retryAfterSeconds: disturbance.retryAfterSeconds },
      code: disturbance.answer,
    };
    incoming.resume();
    outgoing.writeHead(disturbance.answer, {
      'content-type': 'application/json',
      'retry-after': String(disturbance.retryAfterSeconds),
    });
    outgoing.end(JSON.stringify(status));
  });
  await new Promise<void>((done) => proxy.listen(port, '127.0.0.1', done));

  return {
    kubeconfig: kubeconfigFor({ server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` }),
    disturb: (method, path, times, disturbance) => void rules.push({ method, path, times, disturbance }),
    received,
    close: () =>
      new Promise<void>((done) => {
        proxy.closeAllConnections();
        proxy.close(() => done());
      }),
  };
}

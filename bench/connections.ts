import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeCluster } from '../core/cluster/kube-cluster.ts';
import { counted, versus, type Figure } from './figures.ts';
import { benchKubeconfig } from './harness.ts';

const CALLS = 100;

/** Client sockets opened while `work` runs (Node publishes each one on `net.client.socket`), and its time. */
async function socketsOpened(work: () => Promise<void>): Promise<{ sockets: number; ms: number }> {
  let sockets = 0;
  const count = () => sockets++;
  subscribe('net.client.socket', count);
  const started = performance.now();
  try {
    await work();
    return { sockets, ms: performance.now() - started };
  } finally {
    unsubscribe('net.client.socket', count);
  }
}

/**
 * Cluster connections: 100 consecutive reads of a namespace through Berth's
 * cluster gateway (a fresh client, as a cold function has: its first
 * connection is counted and timed), next to a fresh `node:https` keep-alive
 * agent sending the same 100 requests with the same credentials. Each side's
 * TLS connections are the client sockets it opened.
 */
export async function measureConnections(): Promise<Figure[]> {
  const kubeconfig = await benchKubeconfig();
  // Each side runs its code once on a client of its own first, so neither pays for compiling it in the timing.
  const warmUp = createKubeCluster(kubeconfig, { timeoutMs: 30_000 });
  for (let call = 0; call < 20; call++) await warmUp.namespaceExists('default');
  await warmUp.close();
  const cluster = createKubeCluster(kubeconfig, { timeoutMs: 30_000 });
  const berth = await socketsOpened(async () => {
    for (let call = 0; call < CALLS; call++) await cluster.namespaceExists('default');
  });
  await cluster.close();

  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  const server = new URL(config.getCurrentCluster()!.server);
  const options: { headers?: Record<string, string>; ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  await config.applyToHTTPSOptions(options);
  let agent = new Agent({ keepAlive: true, maxSockets: 1, ...options });
  const get = () =>
    new Promise<void>((done, fail) => {
      const call = request(
        {
          host: server.hostname,
          port: server.port,
          path: '/api/v1/namespaces/default',
          agent,
          headers: options.headers,
        },
        (response) => {
          response.resume();
          response.on('end', () => (response.statusCode === 200 ? done() : fail(new Error(`${response.statusCode}`))));
        },
      );
      call.on('error', fail);
      call.end();
    });
  for (let call = 0; call < 20; call++) await get();
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 1, ...options });
  const anchor = await socketsOpened(async () => {
    for (let call = 0; call < CALLS; call++) await get();
  });
  agent.destroy();

  return [
    counted(
      'connections',
      `TLS connections opened by ${CALLS} consecutive cluster calls`,
      'connections',
      berth.sockets,
      2,
      { name: 'node:https keep-alive agent', value: anchor.sockets },
    ),
    versus(
      'connections',
      `${CALLS} consecutive cluster calls: time`,
      'ms',
      berth.ms,
      { name: 'node:https keep-alive agent', value: anchor.ms },
      1.2,
    ),
  ];
}

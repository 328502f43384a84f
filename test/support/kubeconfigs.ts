import { stringify } from 'yaml';

/** A kubeconfig with inline token auth; `user` lets a test add or replace user fields (exec, files, ...). */
export function kubeconfigFor({
  server,
  token = 'test-token',
  user,
}: {
  server: string;
  token?: string;
  user?: Record<string, unknown>;
}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: user ?? { token } }],
  });
}

/** Nothing listens on port 1 of loopback: connections are refused at once. */
export const UNREACHABLE_SERVER = 'https://127.0.0.1:1';

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ADMIN_TOKEN, type Harness } from './harness.ts';
import { call, type CallOptions } from './http.ts';

/**
 * Registers the shared test registry as ote-stack's repository (`ote`, the
 * default `BERTH_OTE_REGISTRY`), under a namespace of this test file's own.
 * Returns the namespace.
 */
export async function registerOteRegistry(berth: Harness): Promise<string> {
  const registry = inject('registry');
  const namespace = `ote-${randomBytes(4).toString('hex')}`;
  const response = await call(berth.apps.admin, '/admin/registries', {
    token: ADMIN_TOKEN,
    json: {
      id: 'ote',
      address: registry.url,
      namespace,
      username: registry.username,
      password: registry.password,
      insecure: true,
    },
  });
  if (response.status !== 201)
    throw new Error(`registering the registry answered ${response.status}: ${response.text}`);
  return namespace;
}

/** A user token limited to `projects`. */
export async function userToken(berth: Harness, projects: string[]): Promise<string> {
  const response = await call(berth.apps.admin, '/admin/tokens', {
    token: ADMIN_TOKEN,
    json: { name: `user-${projects.join('-')}`, role: 'user', projects },
  });
  return response.json.token;
}

/** Calls an ote-stack group, as the admin unless a token is given. */
export const oteCall = (
  berth: Harness,
  group: 'ote-repository' | 'ote-app' | 'ote-deploy',
  path: string,
  options: CallOptions = {},
) => call(berth.apps[group], path, { token: ADMIN_TOKEN, ...options });

/** The document's application example (its trailing comma dropped, which JSON does not allow). */
export const documentApp = {
  appName: 'nginx1',
  deployType: 'deployment',
  image: 'nginx:latest',
  version: '1.2',
  repositoryId: 'repo1',
  replicas: 10,
  port: [{ port: 8080, hostPort: 9090 }],
  command: '',
  volume: [
    { path: '/host/usr/bin', hostPath: '/usr/bin', readOnly: true },
    { path: '/host/usr/sbin', hostPath: '/usr/sbin', readOnly: true },
  ],
  env: [{ name: 'NGINX_PATH', value: '/usr/share/nginx/' }],
  minReplicas: 2,
  maxReplicas: 20,
  minCPU: 10,
  maxCPU: 200,
  isHPA: true,
  targetCPUUtilization: 100,
  targetMemUtilization: 150,
  minMemory: 100,
  maxMemory: 200,
  maxUnavailable: 1,
  maxSurge: 1,
  minReadySeconds: 10,
};

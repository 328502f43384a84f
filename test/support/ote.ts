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
export const oteCall = (berth: Harness, group: 'ote-repository', path: string, options: CallOptions = {}) =>
  call(berth.apps[group], path, { token: ADMIN_TOKEN, ...options });

import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { adminRoutes } from '../../functions/admin/routes.ts';
import { ADMIN_TOKEN, type Harness } from './harness.ts';
import { call, callRoute, type Exchange } from './http.ts';

/**
 * Registers the test registry as Berth's chart registry (`charts`, the
 * configured default), under a namespace of its own so test files never see
 * each other's charts.
 */
export async function registerChartRegistry(berth: Harness): Promise<{ namespace: string }> {
  const { url, username, password } = inject('registry');
  const namespace = `charts-${randomBytes(4).toString('hex')}`;
  const answer = await callRoute(berth.apps.admin, adminRoutes.registerRegistry, {
    token: ADMIN_TOKEN,
    json: { id: 'charts', address: url, namespace, username, password, insecure: true },
  });
  if (answer.status !== 201)
    throw new Error(`registering the chart registry answered ${answer.status}: ${answer.text}`);
  return { namespace };
}

/** `POST /openapi/templates/charts` with the archive as the multipart `file` part, as curl -F sends it. */
export function uploadChart(
  berth: Harness,
  archive: Uint8Array,
  { token = ADMIN_TOKEN, variables }: { token?: string; variables?: Array<{ key: string; value: unknown }> } = {},
) {
  const form = new FormData();
  form.append('file', new Blob([archive], { type: 'application/gzip' }), 'chart.tgz');
  if (variables) form.append('variables', JSON.stringify(variables));
  return call(berth.apps['zadig-helm'], '/openapi/templates/charts', { token, multipart: form });
}

/** Any call to the zadig-helm group, as the admin unless told. */
export const zadigHelm = (berth: Harness, path: string, options: Parameters<typeof call>[2] = {}): Promise<Exchange> =>
  call(berth.apps['zadig-helm'], path, { token: ADMIN_TOKEN, ...options });

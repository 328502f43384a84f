/**
 * The endpoint groups and the path prefixes each one serves. The local server
 * dispatches by this table; `sst.config.ts` declares the same routes for the
 * deployed Router, and a test checks the two agree.
 */
export const groups = [
  { name: 'admin', prefixes: ['/admin'] },
  { name: 'k8s-service', prefixes: ['/v1/k8sservice'] },
  { name: 'zadig-service', prefixes: ['/openapi/projects', '/openapi/templates', '/openapi/service'] },
  { name: 'zadig-environment', prefixes: ['/openapi/environments', '/openapi/operations', '/openapi/logs'] },
  { name: 'ote-repository', prefixes: ['/v1/repository'] },
  { name: 'ote-app', prefixes: ['/v1/app'] },
  { name: 'ote-deploy', prefixes: ['/v1/deploy', '/v1/admin/deploy'] },
  { name: 'v-kube', prefixes: ['/k8s', '/api/v1/k8s'] },
  {
    name: 'zadig-helm',
    prefixes: [
      '/openapi/templates/charts',
      '/openapi/service/template/load/helm',
      '/openapi/environments/helm',
      '/openapi/environments/service/values',
      '/openapi/environments/production/service/values',
    ],
  },
  { name: 'docs', prefixes: ['/openapi.json', '/docs'] },
  { name: 'hooks', prefixes: ['/hooks'] },
] as const;

export type GroupName = (typeof groups)[number]['name'];

/** The group serving a path: the longest matching prefix, as the Router does. */
export function groupFor(path: string): GroupName | undefined {
  let best: { name: GroupName; length: number } | undefined;
  for (const group of groups) {
    for (const prefix of group.prefixes) {
      const matches = path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
      if (matches && (!best || prefix.length > best.length)) best = { name: group.name, length: prefix.length };
    }
  }
  return best?.name;
}

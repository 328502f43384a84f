import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { writeYaml } from '../../core/yaml/write.ts';

/**
 * The current context of a kubeconfig file as a self-contained kubeconfig:
 * only that context, with every file it refers to inlined, because Berth
 * stores kubeconfigs as text and uses them far from this disk.
 */
export function exportCurrentContext(path: string): string {
  const config = new KubeConfig();
  config.loadFromFile(path);
  const context = config.getContextObject(config.getCurrentContext());
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  if (!context || !cluster || !user) throw new Error(`${path} has no usable current context`);
  const inline = (data: string | undefined, file: string | undefined) =>
    data ?? (file ? readFileSync(file).toString('base64') : undefined);
  const token = user.token ?? undefined;
  return writeYaml({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': context.name,
    contexts: [
      {
        name: context.name,
        context: {
          cluster: cluster.name,
          user: user.name,
          ...(context.namespace ? { namespace: context.namespace } : {}),
        },
      },
    ],
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          ...(inline(cluster.caData, cluster.caFile)
            ? { 'certificate-authority-data': inline(cluster.caData, cluster.caFile) }
            : {}),
          ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
        },
      },
    ],
    users: [
      {
        name: user.name,
        user: {
          ...(token ? { token } : {}),
          ...(inline(user.certData, user.certFile)
            ? { 'client-certificate-data': inline(user.certData, user.certFile) }
            : {}),
          ...(inline(user.keyData, user.keyFile) ? { 'client-key-data': inline(user.keyData, user.keyFile) } : {}),
          ...(user.username ? { username: user.username, password: user.password } : {}),
          ...(user.exec ? { exec: user.exec } : {}),
        },
      },
    ],
  });
}

import { InvalidInputError } from '../errors.ts';
import { parseYamlValue } from '../yaml.ts';
import { writeYaml } from '../yaml/write.ts';

type NamedEntry<T> = { name?: unknown } & Record<string, T | unknown>;

const FIELD = 'kubeconfig';

/**
 * Checks that a kubeconfig can be used from a Lambda: its current context
 * resolves, credentials are inline (a path on the caller's disk means nothing
 * here) and no user needs an exec or auth-provider plugin (Lambda has no
 * binaries to run). Returns the API server address and the kubeconfig Berth
 * keeps: the current context, its cluster and its user, with only the fields
 * Berth uses. Nothing else of the caller's file (other users' credentials,
 * extensions, unusual YAML tags) is stored or ever parsed again.
 */
export function checkKubeconfig(text: string): { server: string; kubeconfig: string } {
  const config = parseYamlValue(text, FIELD, {}, FIELD);
  if (!isRecord(config)) throw new InvalidInputError('kubeconfig is not a YAML mapping', FIELD);

  const contextName = config['current-context'];
  if (typeof contextName !== 'string' || contextName === '') {
    throw new InvalidInputError('kubeconfig has no current-context', FIELD);
  }
  const context = findNamed(config['contexts'], contextName, 'context')['context'];
  if (!isRecord(context))
    throw new InvalidInputError(`kubeconfig context "${contextName}" has no context section`, FIELD);

  const cluster = findNamed(config['clusters'], String(context['cluster']), 'cluster')['cluster'];
  if (!isRecord(cluster) || typeof cluster['server'] !== 'string' || !/^https?:\/\//.test(cluster['server'])) {
    throw new InvalidInputError(
      `kubeconfig cluster "${String(context['cluster'])}" has no http(s) server address`,
      FIELD,
    );
  }
  if (typeof cluster['certificate-authority'] === 'string') {
    throw new InvalidInputError(
      'kubeconfig refers to a certificate-authority file; inline it as certificate-authority-data',
      FIELD,
    );
  }

  const userName = String(context['user']);
  const user = findNamed(config['users'], userName, 'user')['user'];
  if (!isRecord(user)) throw new InvalidInputError(`kubeconfig user "${userName}" has no user section`, FIELD);
  if (user['exec'] !== undefined) {
    throw new InvalidInputError(
      `kubeconfig user "${userName}" needs an exec plugin, which cannot run on Lambda; use a token or client-certificate-data instead`,
      FIELD,
    );
  }
  if (user['auth-provider'] !== undefined) {
    throw new InvalidInputError(
      `kubeconfig user "${userName}" needs an auth-provider plugin; use a token or client-certificate-data instead`,
      FIELD,
    );
  }
  for (const fileField of ['client-certificate', 'client-key', 'tokenFile']) {
    if (user[fileField] !== undefined) {
      throw new InvalidInputError(
        `kubeconfig user "${userName}" refers to a file (${fileField}); inline its content instead`,
        FIELD,
      );
    }
  }
  const hasCredentials =
    typeof user['token'] === 'string' ||
    (typeof user['client-certificate-data'] === 'string' && typeof user['client-key-data'] === 'string') ||
    (typeof user['username'] === 'string' && typeof user['password'] === 'string');
  if (!hasCredentials) {
    throw new InvalidInputError(
      `kubeconfig user "${userName}" has no inline credentials (token or client certificate)`,
      FIELD,
    );
  }
  const pick = (source: Record<string, unknown>, fields: readonly string[]) =>
    Object.fromEntries(fields.filter((name) => source[name] !== undefined).map((name) => [name, source[name]]));
  const kubeconfig = writeYaml({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': contextName,
    contexts: [{ name: contextName, context: pick(context, ['cluster', 'user', 'namespace']) }],
    clusters: [{ name: String(context['cluster']), cluster: pick(cluster, CLUSTER_FIELDS) }],
    users: [{ name: userName, user: pick(user, USER_FIELDS) }],
  });
  return { server: cluster['server'], kubeconfig };
}

const CLUSTER_FIELDS = [
  'server',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'proxy-url',
] as const;
const USER_FIELDS = ['token', 'client-certificate-data', 'client-key-data', 'username', 'password'] as const;

function findNamed(list: unknown, name: string, what: string): NamedEntry<unknown> {
  const entry = Array.isArray(list) ? list.find((item) => isRecord(item) && item['name'] === name) : undefined;
  if (!isRecord(entry)) throw new InvalidInputError(`kubeconfig has no ${what} named "${name}"`, FIELD);
  return entry;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

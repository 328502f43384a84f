import { InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts';
import type { RegistryAccess } from './registry-item.ts';

/**
 * The registry answered, but not to these credentials (or it wants some and
 * none are registered). A failure of the registry as a dependency, not of the
 * caller's own request, so it is an UnavailableError (503) like an unreachable
 * registry; a 401 would read as Berth refusing the caller's token.
 */
export class RegistryCredentialsRejectedError extends UnavailableError {
  readonly registryId: string;

  constructor(registryId: string, message: string) {
    super(message);
    this.registryId = registryId;
  }
}

/** The part of the OCI distribution API Berth uses. */
export type OciClient = {
  /** `GET /v2/`: resolves when the registry answers and accepts the credentials. */
  ping(): Promise<void>;
  /** Tags of `<namespace>/<repository>`, in the registry's order; a repository the registry does not know is a NotFoundError. */
  listTags(repository: string): Promise<string[]>;
  /** `HEAD` of the manifest `<namespace>/<repository>:<tag>`: whether the registry has that image. */
  hasManifest(repository: string, tag: string): Promise<boolean>;
};

type RequestShape = { method: 'GET' | 'HEAD'; accept: string };
const JSON_GET: RequestShape = { method: 'GET', accept: 'application/json' };
/** Without the OCI and Docker manifest types in Accept, a registry answers 404 for manifests of those types. */
const MANIFEST_HEAD: RequestShape = {
  method: 'HEAD',
  accept: [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
  ].join(', '),
};

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;

/** A tag as the distribution spec allows it. */
export const isTag = (text: string): boolean => TAG.test(text);

/** Enough for any real tag list; a Link header that never ends is the registry's bug, not a reason to loop forever. */
const MAX_TAG_PAGES = 100;

/**
 * A small OCI distribution client over `fetch`. Each call finishes within
 * `timeoutMs` (all its requests together). It authenticates the two ways
 * registries do: HTTP basic (a `docker-registry` with htpasswd) and the token
 * flow (`WWW-Authenticate: Bearer realm=...`: Harbor, Docker Hub, GHCR), where
 * the credentials buy a short-lived token for the scope a request needs.
 *
 * @example
 * const client = createOciClient({ access: await readRegistryAccess(ctx, 'harbor'), timeoutMs: 5000 });
 * await client.ping();
 * const tags = await client.listTags('api'); // GET /v2/<namespace>/api/tags/list
 */
export function createOciClient({
  access,
  timeoutMs,
  fetch = globalThis.fetch,
}: {
  access: RegistryAccess;
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
}): OciClient {
  const { id, endpoint, namespace, credentials } = access;
  const basic = credentials
    ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    : undefined;
  /** Bearer tokens by scope, once the registry has asked for tokens. */
  const tokens = new Map<string, { header: string; expiresAt: number }>();
  let usesTokens = false;

  const unreachable = (error: unknown, signal: AbortSignal): UnavailableError => {
    if (signal.aborted)
      return new UnavailableError(
        `registry "${id}" (${endpoint.baseUrl}) did not answer within ${timeoutMs} ms`,
        error,
      );
    // Only the system's error code: a library's message is not ours to pass on.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
    // fetch refuses the ports the Fetch standard blocks (6000, 6665-6669, ...) without trying them.
    const reason =
      typeof cause?.code === 'string'
        ? cause.code
        : cause?.message === 'bad port'
          ? 'fetch refuses this port'
          : undefined;
    return new UnavailableError(
      `registry "${id}" (${endpoint.baseUrl}) is unreachable${reason ? ` (${reason})` : ''}`,
      error,
    );
  };
  const rejected = (what: string): RegistryCredentialsRejectedError =>
    new RegistryCredentialsRejectedError(
      id,
      credentials
        ? `registry "${id}" rejected the registered credentials of user "${credentials.username}" (${what})`
        : `registry "${id}" requires credentials and none are registered (${what})`,
    );

  async function send(
    url: string,
    authorization: string | undefined,
    signal: AbortSignal,
    { method, accept }: RequestShape = JSON_GET,
  ): Promise<Response> {
    try {
      // Redirects are followed; fetch drops the authorization header on a redirect to another origin.
      return await fetch(url, {
        method,
        headers: { accept, ...(authorization ? { authorization } : {}) },
        signal,
      });
    } catch (error) {
      throw unreachable(error, signal);
    }
  }

  async function bearerToken(challenge: Record<string, string>, scope: string, signal: AbortSignal): Promise<string> {
    const cached = tokens.get(scope);
    if (cached && cached.expiresAt > Date.now()) return cached.header;
    const url = URL.parse(challenge['realm'] ?? '');
    // Credentials go to the token service in clear over plain HTTP only when the registry itself is plain HTTP.
    const plainAllowed = endpoint.baseUrl.startsWith('http://');
    if (!url || !(url.protocol === 'https:' || (plainAllowed && url.protocol === 'http:'))) {
      throw new UnavailableError(`registry "${id}" asks for a token from an unusable realm`);
    }
    if (challenge['service']) url.searchParams.set('service', challenge['service']);
    if (scope) url.searchParams.set('scope', scope);
    const response = await send(url.toString(), basic, signal);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw rejected(`token service answered ${response.status}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UnavailableError(`registry "${id}" token service answered HTTP ${response.status}`);
    }
    const body = (await readJson(response, signal)) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '')
      throw new UnavailableError(`registry "${id}" token service answered without a token`);
    // Tokens last 60 s at least (the spec's default); keep a margin so a token never expires mid-request.
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    const header = `Bearer ${token}`;
    tokens.set(scope, { header, expiresAt: Date.now() + Math.max(0, lifetime - 10) * 1000 });
    return header;
  }

  /** One authenticated request; a 401 left after authenticating is a RegistryCredentialsRejectedError. */
  async function get(path: string, scope: string, signal: AbortSignal, shape: RequestShape = JSON_GET) {
    const url = new URL(path, endpoint.baseUrl).toString();
    const first = await send(url, usesTokens ? tokens.get(scope)?.header : basic, signal, shape);
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers.get('www-authenticate'));
    await first.body?.cancel();
    const what = `${shape.method} ${new URL(url).pathname}`;
    if (challenge?.scheme !== 'bearer') throw rejected(`${what} answered 401`);
    usesTokens = true;
    const again = await send(url, await bearerToken(challenge.params, scope, signal), signal, shape);
    if (again.status !== 401) return again;
    await again.body?.cancel();
    tokens.delete(scope);
    throw rejected(`${what} answered 401 to its token`);
  }

  async function readJson(response: Response, signal: AbortSignal): Promise<unknown> {
    try {
      return await response.json();
    } catch (error) {
      if (signal.aborted) throw unreachable(error, signal);
      throw new UnavailableError(`registry "${id}" answered with a body that is not JSON`, error);
    }
  }

  return {
    async ping() {
      const signal = AbortSignal.timeout(timeoutMs);
      const response = await get('/v2/', '', signal);
      await response.body?.cancel();
      if (response.ok) return;
      throw new UnavailableError(
        `registry "${id}" answered GET /v2/ with HTTP ${response.status}; is ${endpoint.baseUrl} an OCI distribution registry?`,
      );
    },

    async listTags(repository) {
      const name = repositoryName(repository);
      const scope = `repository:${name}:pull`;
      const signal = AbortSignal.timeout(timeoutMs);
      const tags: string[] = [];
      let path: string | undefined = `/v2/${name}/tags/list`;
      for (let page = 0; path && page < MAX_TAG_PAGES; page++) {
        const response = await get(path, scope, signal);
        if (response.status === 404) {
          await response.body?.cancel();
          throw new NotFoundError('repository', name);
        }
        if (response.status === 403) {
          await response.body?.cancel();
          throw rejected(`pulling ${name} is denied`);
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw new UnavailableError(
            `registry "${id}" answered GET /v2/${name}/tags/list with HTTP ${response.status}`,
          );
        }
        const body = (await readJson(response, signal)) as { tags?: unknown };
        // A repository whose last tag was deleted answers `"tags": null`.
        if (Array.isArray(body.tags)) tags.push(...body.tags.filter((tag): tag is string => typeof tag === 'string'));
        path = nextPage(response.headers.get('link'), endpoint.baseUrl);
      }
      return tags;
    },

    async hasManifest(repository, tag) {
      const name = repositoryName(repository);
      if (!isTag(tag)) throw new InvalidInputError('tag: must be a tag (letters, digits, "_", ".", "-")', 'tag');
      const path = `/v2/${name}/manifests/${tag}`;
      const response = await get(path, `repository:${name}:pull`, AbortSignal.timeout(timeoutMs), MANIFEST_HEAD);
      await response.body?.cancel();
      if (response.ok) return true;
      if (response.status === 404) return false;
      if (response.status === 403) throw rejected(`pulling ${name} is denied`);
      throw new UnavailableError(`registry "${id}" answered HEAD ${path} with HTTP ${response.status}`);
    },
  };

  function repositoryName(repository: string): string {
    if (!repository.split('/').every((component) => COMPONENT.test(component))) {
      throw new InvalidInputError(
        'repository: must be lowercase repository path components (a-z, 0-9, ".", "_", "-", separated by "/")',
        'repository',
      );
    }
    return `${namespace}/${repository}`;
  }
}

/** `Bearer realm="https://auth.example/token",service="registry"` → scheme and parameters. */
function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } | undefined {
  const match = header?.match(/^\s*(\w+)\s*(.*)$/);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of match[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[key!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** The next page of a paginated list (`Link: </v2/...?last=x>; rel="next"`), only on the registry's own origin. */
function nextPage(link: string | null, baseUrl: string): string | undefined {
  const target = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)?.[1];
  if (!target) return undefined;
  const url = new URL(target, baseUrl);
  return url.origin === new URL(baseUrl).origin ? `${url.pathname}${url.search}` : undefined;
}

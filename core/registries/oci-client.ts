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
  /** Repositories under the namespace (from `GET /v2/_catalog`), without the namespace prefix. */
  listRepositories(): Promise<string[]>;
  /**
   * The manifest a tag (or digest) of `<namespace>/<repository>` names: its
   * digest, and when the image was built (the image config's `created`, when
   * it has one). An unknown tag is a NotFoundError.
   */
  describeManifest(repository: string, reference: string): Promise<{ digest: string; created: Date | undefined }>;
  /** Deletes a manifest by digest: every tag pointing at it goes with it (that is how the distribution API deletes). */
  deleteManifest(repository: string, digest: string): Promise<void>;
};

/** What registries may answer for a tag; a client that accepts none of these gets the legacy schema 1. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');
/** A catalog page as large as registries commonly allow. */
const CATALOG_PAGE = 1000;

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** Enough for any real tag list; a Link header that never ends is the registry's bug, not a reason to loop forever. */
const MAX_PAGES = 100;

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
    { method = 'GET', accept = 'application/json' }: RequestOptions = {},
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

  /** One authenticated request (a GET unless told); a 401 left after authenticating is a RegistryCredentialsRejectedError. */
  async function get(
    path: string,
    scope: string,
    signal: AbortSignal,
    options: RequestOptions = {},
  ): Promise<Response> {
    const url = new URL(path, endpoint.baseUrl).toString();
    const what = `${options.method ?? 'GET'} ${new URL(url).pathname}`;
    const first = await send(url, usesTokens ? tokens.get(scope)?.header : basic, signal, options);
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers.get('www-authenticate'));
    await first.body?.cancel();
    if (challenge?.scheme !== 'bearer') throw rejected(`${what} answered 401`);
    usesTokens = true;
    const again = await send(url, await bearerToken(challenge.params, scope, signal), signal, options);
    if (again.status !== 401) return again;
    await again.body?.cancel();
    tokens.delete(scope);
    throw rejected(`${what} answered 401 to its token`);
  }

  /** A failed answer as the domain sees it: unknown (404), denied (403), or the registry failing. */
  async function failure(response: Response, what: string, notFound: () => NotFoundError): Promise<never> {
    await response.body?.cancel();
    if (response.status === 404) throw notFound();
    if (response.status === 403) throw rejected(`${what} is denied`);
    throw new UnavailableError(`registry "${id}" answered ${what} with HTTP ${response.status}`);
  }

  /** `<namespace>/<repository>`, after checking the repository is a valid path. */
  function repositoryName(repository: string): string {
    if (!repository.split('/').every((component) => COMPONENT.test(component))) {
      throw new InvalidInputError(
        'repository: must be lowercase repository path components (a-z, 0-9, ".", "_", "-", separated by "/")',
        'repository',
      );
    }
    return `${namespace}/${repository}`;
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
      for (let page = 0; path && page < MAX_PAGES; page++) {
        const response = await get(path, scope, signal);
        if (!response.ok)
          await failure(response, `GET /v2/${name}/tags/list`, () => new NotFoundError('repository', name));
        const body = (await readJson(response, signal)) as { tags?: unknown };
        // A repository whose last tag was deleted answers `"tags": null`.
        if (Array.isArray(body.tags)) tags.push(...body.tags.filter((tag): tag is string => typeof tag === 'string'));
        path = nextPage(response.headers.get('link'), endpoint.baseUrl);
      }
      return tags;
    },

    async listRepositories() {
      const signal = AbortSignal.timeout(timeoutMs);
      const prefix = `${namespace}/`;
      const repositories: string[] = [];
      let path: string | undefined = `/v2/_catalog?n=${CATALOG_PAGE}`;
      for (let page = 0; path && page < MAX_PAGES; page++) {
        const response = await get(path, 'registry:catalog:*', signal);
        if (!response.ok) await failure(response, 'GET /v2/_catalog', () => new NotFoundError('catalog', id));
        const body = (await readJson(response, signal)) as { repositories?: unknown };
        if (Array.isArray(body.repositories))
          for (const name of body.repositories)
            if (typeof name === 'string' && name.startsWith(prefix)) repositories.push(name.slice(prefix.length));
        path = nextPage(response.headers.get('link'), endpoint.baseUrl);
      }
      return repositories;
    },

    async describeManifest(repository, reference) {
      const name = repositoryName(repository);
      const scope = `repository:${name}:pull`;
      const signal = AbortSignal.timeout(timeoutMs);
      const path = `/v2/${name}/manifests/${encodeURIComponent(reference)}`;
      const response = await get(path, scope, signal, { accept: MANIFEST_TYPES });
      if (!response.ok) await failure(response, `GET ${path}`, () => new NotFoundError('tag', `${name}:${reference}`));
      const digest = response.headers.get('docker-content-digest');
      const manifest = (await readJson(response, signal)) as { config?: { digest?: unknown } };
      if (!digest) throw new UnavailableError(`registry "${id}" answered GET ${path} without Docker-Content-Digest`);
      const configDigest = manifest.config?.digest;
      // An index (multi-platform image) has no config of its own, so no build time.
      if (typeof configDigest !== 'string') return { digest, created: undefined };
      const blob = await get(`/v2/${name}/blobs/${configDigest}`, scope, signal);
      if (!blob.ok)
        await failure(blob, `GET /v2/${name}/blobs/${configDigest}`, () => new NotFoundError('blob', configDigest));
      const config = (await readJson(blob, signal)) as { created?: unknown };
      const created = typeof config.created === 'string' ? new Date(config.created) : undefined;
      return { digest, created: created && !Number.isNaN(created.getTime()) ? created : undefined };
    },

    async deleteManifest(repository, digest) {
      const name = repositoryName(repository);
      const signal = AbortSignal.timeout(timeoutMs);
      const path = `/v2/${name}/manifests/${digest}`;
      const response = await get(path, `repository:${name}:delete`, signal, { method: 'DELETE' });
      if (response.status === 405) {
        await response.body?.cancel();
        throw new UnavailableError(`registry "${id}" does not allow deletes (distribution: storage.delete.enabled)`);
      }
      if (!response.ok)
        await failure(response, `DELETE ${path}`, () => new NotFoundError('manifest', `${name}@${digest}`));
      await response.body?.cancel();
    },
  };
}

type RequestOptions = { method?: 'GET' | 'DELETE'; accept?: string };

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

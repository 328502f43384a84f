import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { stopChild } from '../../functions/local/dynamodb-local.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { freePort } from '../../functions/local/dynamodb-local.ts';

/** A running registry and the one user its htpasswd file knows. */
export type TestRegistry = { url: string; username: string; password: string };

/**
 * Starts Debian's `docker-registry` (distribution 2.8) on a free loopback
 * port: filesystem storage in a temp dir, deletes enabled, htpasswd (bcrypt)
 * auth for one user. Resolves once `GET /v2/` asks for credentials.
 */
export async function startOciRegistry({
  username = 'berth',
  password = randomBytes(12).toString('hex'),
  extraConfig = [],
  port: chosenPort,
}: {
  username?: string;
  password?: string;
  extraConfig?: string[];
  port?: number;
} = {}): Promise<TestRegistry & { stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  const { stdout: htpasswd } = await promisify(execFile)('htpasswd', ['-Bbn', username, password]);
  await writeFile(join(dir, 'htpasswd'), htpasswd);
  const port = chosenPort ?? (await freePort());
  await writeFile(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: {level: error, accesslog: {disabled: true}}',
      `storage: {filesystem: {rootdirectory: ${JSON.stringify(join(dir, 'data'))}}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${port}", secret: ${randomBytes(16).toString('hex')}}`,
      `auth: {htpasswd: {realm: berth-test, path: ${JSON.stringify(join(dir, 'htpasswd'))}}}`,
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new Error(`docker-registry did not start (apt-get install docker-registry): ${error.message}`)),
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForChallenge(url, child, () => stderr), spawnFailed]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, username, password, stop };
}

async function waitForChallenge(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr()}`);
    try {
      const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${url} within 15 s: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * Pushes a tiny image (an empty layer and its config) as `<repository>:<tag>`
 * over plain HTTP, the way a client without Docker does: POST an upload, PUT
 * each blob with `?digest=`, PUT the OCI manifest. Returns the manifest digest.
 * The same `created` (or none) gives the same digest, as re-tagging an image does.
 */
export async function pushTinyImage(
  registry: TestRegistry,
  repository: string,
  tag: string,
  { created }: { created?: string } = {},
): Promise<string> {
  const authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  const layer = gzipSync(Buffer.alloc(1024)); // an empty tar archive
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      ...(created ? { created } : {}),
      rootfs: { type: 'layers', diff_ids: [sha256(Buffer.alloc(1024))] },
    }),
  );
  for (const blob of [layer, config]) {
    const started = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization },
    });
    await started.body?.cancel();
    const location = started.headers.get('location');
    if (started.status !== 202 || !location)
      throw new Error(`starting an upload to ${repository} answered ${started.status}`);
    const upload = new URL(location, registry.url);
    upload.searchParams.set('digest', sha256(blob));
    const put = await fetch(upload, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/octet-stream' },
      body: blob,
    });
    await put.body?.cancel();
    if (put.status !== 201) throw new Error(`uploading a blob to ${repository} answered ${put.status}`);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    }),
  );
  const put = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`pushing the manifest ${repository}:${tag} answered ${put.status}`);
  return sha256(manifest);
}

/** Deletes a manifest by digest (the registry then lists the repository with `"tags": null` once no tag is left). */
export async function deleteManifest(registry: TestRegistry, repository: string, digest: string): Promise<void> {
  const authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${digest}`, {
    method: 'DELETE',
    headers: { authorization },
  });
  await response.body?.cancel();
  if (response.status !== 202) throw new Error(`deleting ${repository}@${digest} answered ${response.status}`);
}

/**
 * A plain HTTP forwarder in front of the registry that counts what reaches
 * it, so a test can tell whether Berth asked the registry at all.
 */
export async function startCountingProxy(target: string): Promise<{
  url: string;
  requests: string[];
  close(): Promise<void>;
}> {
  const requests: string[] = [];
  const server = createServer(async (request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'connection'),
    ) as Record<string, string>;
    const answer = await fetch(new URL(request.url ?? '/', target), {
      method: request.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await answer.arrayBuffer());
    const forwarded = Object.fromEntries(
      [...answer.headers].filter(([name]) => !['content-encoding', 'transfer-encoding', 'connection'].includes(name)),
    );
    response.writeHead(answer.status, forwarded);
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A TCP listener that only records connection attempts: the stand-in for a host nobody registered. */
export async function startConnectionRecorder(): Promise<{
  port: number;
  connections: () => number;
  close(): Promise<void>;
}> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

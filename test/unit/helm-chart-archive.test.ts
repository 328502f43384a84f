import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHART_LIMITS, checkChartArchive, type ChartLimits } from '../../core/helm/chart-archive.ts';
import { DomainError } from '../../core/errors.ts';
import { demoChart, demoChartFiles, tarGz, type TarEntry } from '../support/charts.ts';

async function refusal(archive: Uint8Array, limits: ChartLimits = CHART_LIMITS): Promise<DomainError> {
  try {
    await checkChartArchive(archive, limits);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the archive was accepted');
}

const withEntry = (extra: TarEntry) => tarGz([...demoChartFiles({ name: 'web' }), extra]);

describe('chart archive checks', () => {
  it('accepts a chart and reads its metadata and default values', async () => {
    const archive = demoChart({ name: 'web', version: '1.2.3-rc.1+build.5' });
    const chart = await checkChartArchive(archive);
    expect(chart).toMatchObject({
      name: 'web',
      version: '1.2.3-rc.1+build.5',
      appVersion: '1.0',
      size: archive.length,
    });
    expect(chart.valuesYaml).toContain('repository: registry.example.com/demo/web');
    expect(chart.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['a parent reference', { name: 'web/../../etc/passwd', content: 'x' }, /leaves the chart's directory/],
    ['an absolute path', { name: '/etc/cron.d/x', content: 'x' }, /absolute path/],
    ['a Windows drive path', { name: 'c:\\windows\\x', content: 'x' }, /absolute path/],
    ['a backslash traversal', { name: 'web\\..\\..\\x', content: 'x' }, /leaves the chart's directory/],
    ['a symbolic link', { name: 'web/templates/link.yaml', type: '2', linkname: '/etc/passwd' }, /symbolic link/],
    ['a hard link', { name: 'web/templates/hard.yaml', type: '1', linkname: 'web/Chart.yaml' }, /hard link/],
    ['a device', { name: 'web/dev', type: '3' }, /a device/],
    ['a second top-level directory', { name: 'other/values.yaml', content: 'a: 1' }, /outside the chart's directory/],
  ] satisfies Array<[string, TarEntry, RegExp]>)('refuses %s, naming the entry', async (_, entry, reason) => {
    const error = await refusal(withEntry(entry));
    expect(error.code).toBe('Invalid');
    expect(error.field).toBe('file');
    expect(error.message).toMatch(reason);
  });

  it('refuses a file at the top level', async () => {
    expect((await refusal(tarGz([{ name: 'Chart.yaml', content: 'apiVersion: v2' }]))).message).toMatch(/top level/);
  });

  it('refuses a Chart.yaml whose name is not its directory, or whose version is not SemVer', async () => {
    const renamed = tarGz(
      demoChartFiles({ name: 'web' }).map((entry) =>
        entry.name === 'web/Chart.yaml' ? { ...entry, content: 'apiVersion: v2\nname: api\nversion: 1.0.0\n' } : entry,
      ),
    );
    expect((await refusal(renamed)).message).toMatch(/name "api" must equal its directory "web"/);
    expect((await refusal(demoChart({ name: 'web', version: '1.0' }))).message).toMatch(/not a SemVer version/);
    const missing = tarGz(demoChartFiles({ name: 'web' }).filter((entry) => entry.name !== 'web/Chart.yaml'));
    expect((await refusal(missing)).message).toMatch(/no "web\/Chart.yaml"/);
  });

  it('stops a gzip bomb once it unpacks past the total cap, before reading it all', async () => {
    const huge = tarGz([
      ...demoChartFiles({ name: 'web' }),
      { name: 'web/files/zeros', content: Buffer.alloc(CHART_LIMITS.maxFileBytes - 1) },
      { name: 'web/files/zeros2', content: Buffer.alloc(CHART_LIMITS.maxFileBytes - 1) },
    ]);
    const error = await refusal(huge, { ...CHART_LIMITS, maxTotalBytes: 3 * 1024 * 1024 });
    expect(error.message).toMatch(/unpacks to more than 3145728 bytes/);
  });

  it('refuses a file larger than the per-file cap from its header, and too many entries', async () => {
    const big = withEntry({ name: 'web/files/big', content: Buffer.alloc(1024), size: CHART_LIMITS.maxFileBytes + 1 });
    expect((await refusal(big)).message).toMatch(/more than 2097152 per file/);
    const many = tarGz([
      ...demoChartFiles({ name: 'web' }),
      ...Array.from({ length: 20 }, (_, index) => ({ name: `web/files/f${index}`, content: 'x' })),
    ]);
    expect((await refusal(many, { ...CHART_LIMITS, maxEntries: 10 })).message).toMatch(/more than 10 entries/);
  });

  it('answers 413 above the archive size limit, and 400 to bytes that are not a tgz', async () => {
    const error = await refusal(Buffer.alloc(CHART_LIMITS.maxArchiveBytes + 1));
    expect(error.code).toBe('TooLarge');
    expect((await refusal(Buffer.from('not a chart'))).message).toMatch(/not a gzipped tar archive/);
    expect((await refusal(gzipSync(Buffer.alloc(1000, 7)))).message).toMatch(/not a valid tar archive/);
  });
});

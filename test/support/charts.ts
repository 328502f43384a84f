import { gzipSync } from 'node:zlib';

/** One tar entry as a test writes it; hostile archives set the type, link target, size or raw name themselves. */
export type TarEntry = {
  name: string;
  content?: string | Buffer;
  /** ustar type flag: '0' file (default), '5' directory, '1' hard link, '2' symlink, '3' character device. */
  type?: string;
  linkname?: string;
  /** The size the header claims (defaults to the content's). */
  size?: number;
};

/** A gzipped ustar archive of `entries`, written byte by byte (no tar tool, so nothing normalizes a hostile name). */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name.slice(0, 100), 0, 'utf8');
    header.write('0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(`${(entry.size ?? content.length).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write(entry.type ?? '0', 156, 'latin1');
    if (entry.linkname) header.write(entry.linkname, 157, 'utf8');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

export type DemoChartOptions = {
  name: string;
  version?: string;
  /** The chart's default values.yaml. */
  values?: string;
  /** Extra files under the chart directory (path inside the chart → content). */
  extra?: Record<string, string>;
};

/**
 * A small chart like `helm create` makes, cut to what Berth needs to see: a
 * Deployment whose image comes from `image.repository`/`image.tag`, a
 * Service on `port`, replicas from `replicaCount`.
 */
export function demoChartFiles({ name, version = '0.1.0', values, extra = {} }: DemoChartOptions): TarEntry[] {
  const files: Record<string, string> = {
    'Chart.yaml': `apiVersion: v2\nname: ${name}\ndescription: A demo chart\ntype: application\nversion: ${version}\nappVersion: "1.0"\n`,
    'values.yaml':
      values ??
      'replicaCount: 1\nimage:\n  repository: registry.example.com/demo/web\n  tag: "1.0"\nport: 80\nlabels:\n  - a\n',
    'templates/deployment.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'spec:',
      '  replicas: {{ .Values.replicaCount }}',
      '  selector:',
      '    matchLabels:',
      '      app.kubernetes.io/instance: {{ .Release.Name }}',
      '  template:',
      '    metadata:',
      '      labels:',
      '        app.kubernetes.io/instance: {{ .Release.Name }}',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
      '          ports:',
      '            - containerPort: {{ .Values.port }}',
      '',
    ].join('\n'),
    'templates/service.yaml': [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'spec:',
      '  selector:',
      '    app.kubernetes.io/instance: {{ .Release.Name }}',
      '  ports:',
      '    - port: {{ .Values.port }}',
      '',
    ].join('\n'),
    ...extra,
  };
  return [
    { name: `${name}/`, type: '5' },
    ...Object.entries(files).map(([path, content]) => ({ name: `${name}/${path}`, content })),
  ];
}

export const demoChart = (options: DemoChartOptions): Buffer => tarGz(demoChartFiles(options));

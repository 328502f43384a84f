import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { memoryBytes } from '../../core/orders/order-pod.ts';
import { parseImageName } from '../../core/registries/image-check.ts';
import { DeployBody } from '../../functions/v-kube/views.ts';

describe('image names', () => {
  it.each([
    ['nginx', 'stable', { host: undefined, path: 'nginx', tag: 'stable' }],
    ['nginx:stable', undefined, { host: undefined, path: 'nginx', tag: 'stable' }],
    ['library/nginx', '1.27', { host: undefined, path: 'library/nginx', tag: '1.27' }],
    ['Harbor.example.com:8443/shop/api', 'v1', { host: 'harbor.example.com:8443', path: 'shop/api', tag: 'v1' }],
    ['localhost/app', 'dev', { host: 'localhost', path: 'app', tag: 'dev' }],
  ])('reads %s (tag %s) as Docker does', (image, tag, expected) => {
    expect(parseImageName(image, tag)).toEqual(expected);
  });

  it.each([
    ['nginx', undefined],
    ['', 'stable'],
    ['nginx:stable', 'latest'],
    ['nginx@sha256:abc', 'stable'],
    ['NGINX', 'stable'],
    ['nginx', '-bad'],
    ['bad_host.example.com:99999x/app', 'v1'],
  ])('refuses %s (tag %s)', (image, tag) => {
    expect(parseImageName(image, tag)).toBeUndefined();
  });
});

describe('memory sizes', () => {
  it('reads Mi and Gi, decimals included, and nothing else', () => {
    expect(memoryBytes('100Mi')).toBe(100 * 1024 ** 2);
    expect(memoryBytes('0.5Gi')).toBe(512 * 1024 ** 2);
    expect(memoryBytes('2Gi')).toBe(2 * 1024 ** 3);
    for (const other of ['1G', '100', '1Ti', 'Mi', '-1Mi']) expect(memoryBytes(other)).toBeUndefined();
  });
});

describe('the deploy body', () => {
  const body = (container: Record<string, unknown>) => ({
    nodeSelector: { region: 'r' },
    containers: [{ name: 'c', imageName: 'nginx', resource: { memory: '1Mi' }, ...container }],
  });

  it('splits command and args on newlines, as the document writes them', () => {
    const parsed = v.parse(DeployBody, body({ command: '/bin/sh\n-c\ntail -f /dev/null\n', args: '--vm\r\n1' }));
    expect(parsed.containers[0]).toMatchObject({
      command: ['/bin/sh', '-c', 'tail -f /dev/null'],
      args: ['--vm', '1'],
    });
    expect(v.parse(DeployBody, body({})).containers[0]).toMatchObject({ command: [], args: [] });
  });

  it('maps a host port alone to the same container port', () => {
    const parsed = v.parse(DeployBody, body({ ports: [{ hostPort: 2999 }, { containerPort: 80 }] }));
    expect(parsed.containers[0]!.ports).toEqual([
      { containerPort: 2999, hostPort: 2999 },
      { containerPort: 80, hostPort: undefined },
    ]);
    expect(v.is(DeployBody, body({ ports: [{}] }))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { groupFor } from '../../functions/groups.ts';

describe('path to group', () => {
  it.each([
    ['/admin/clusters', 'admin'],
    ['/admin', 'admin'],
    ['/v1/k8sservice/getPod', 'k8s-service'],
    ['/openapi.json', 'docs'],
    ['/docs', 'docs'],
    ['/k8s/regions', 'v-kube'],
    ['/api/v1/k8s/deploy', 'v-kube'],
  ])('%s is served by %s', (path, group) => {
    expect(groupFor(path)).toBe(group);
  });

  it('does not match a prefix in the middle of a segment', () => {
    expect(groupFor('/administrator')).toBeUndefined();
    expect(groupFor('/docsx')).toBeUndefined();
  });
});

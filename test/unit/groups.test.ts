import { describe, expect, it } from 'vitest';
import { groupFor } from '../../functions/groups.ts';

describe('path to group', () => {
  it.each([
    ['/admin/clusters', 'admin'],
    ['/admin', 'admin'],
    ['/v1/k8sservice/getPod', 'k8s-service'],
    ['/openapi.json', 'docs'],
    ['/docs', 'docs'],
    ['/v1/repository/image/tag', 'ote-repository'],
    ['/v1/app/id/1', 'ote-app'],
    ['/v1/deploy/id/1', 'ote-deploy'],
    ['/v1/admin/deploy', 'ote-deploy'],
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

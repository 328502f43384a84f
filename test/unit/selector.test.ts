import { describe, expect, it } from 'vitest';
import { toSelectorString } from '../../core/cluster/kube-cluster.ts';
import { selectorMatcher } from '../../core/cluster/selector.ts';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', track: 'stable' };

  it.each([
    ['app=web', true],
    ['app==web,tier=front', true],
    ['app=db', false],
    ['app!=db', true],
    ['tier in (front, back)', true],
    ['tier notin (front)', false],
    ['track', true],
    ['!canary', true],
    ['!track', false],
    ['app=web,tier in (back)', false],
    ['', true],
  ])('%s matches: %s', (selector, expected) => {
    expect(selectorMatcher(selector)(labels)).toBe(expected);
  });

  it('reads back what a workload’s selector becomes', () => {
    const selector = toSelectorString({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(selector).toBe('app=web,tier in (front,edge),!canary');
    expect(selectorMatcher(selector)(labels)).toBe(true);
    expect(selectorMatcher(selector)({ ...labels, canary: 'yes' })).toBe(false);
  });
});

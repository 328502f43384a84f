import { describe, expect, it } from 'vitest';
import { revisionThatRan } from '../../core/deploys/release-chart.ts';
import type { HelmRevision } from '../../core/helm/helm-engine.ts';

const revision = (number: number, description: string): HelmRevision => ({
  revision: number,
  status: 'superseded',
  chart: 'web-0.1.0',
  appVersion: '1.0',
  updated: '',
  description,
});

describe('the revision a chart deployment rolls back to', () => {
  it('is the latest that ran the version, following rollbacks to what they restored', () => {
    const history = [
      revision(1, 'ote-app web 1.0 (application 1)'),
      revision(2, 'ote-app web 1.1 (application 2)'),
      revision(3, 'Rollback to 1'),
      revision(4, 'ote-app web 1.2 (application 3)'),
    ];
    expect(revisionThatRan(history, 'ote-app web 1.0 (application 1)')).toBe(3);
    expect(revisionThatRan(history, 'ote-app web 1.1 (application 2)')).toBe(2);
  });

  it('is none when the bounded history no longer holds it', () => {
    expect(revisionThatRan([revision(7, 'Rollback to 2'), revision(8, 'x')], 'ote-app web 1.0 (application 1)')).toBe(
      undefined,
    );
  });
});

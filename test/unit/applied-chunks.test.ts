import { describe, expect, it } from 'vitest';
import { takeChunk } from '../../core/environments/run-operation.ts';

type Outcome = Parameters<typeof takeChunk>[0][number];

/** A recorded apply: the env service's changes, and its revision unless the apply recorded none. */
const outcome = (service: string, { revision = true, rendered = 'kind: ConfigMap' } = {}) =>
  ({
    envService: { service },
    result: { outcome: 'applied', objects: [] },
    changes: { status: 'applied', rendered },
    ...(revision ? { revision: { service, rendered } } : {}),
  }) as unknown as Outcome;

describe('takeChunk: one transaction of recorded applies', () => {
  it('holds at most 100 items: 50 services with their revisions, more without', () => {
    const waiting = Array.from({ length: 120 }, (_, index) => outcome(`s${index}`));
    expect(takeChunk(waiting)).toHaveLength(50);
    expect(waiting).toHaveLength(70);

    const failures = Array.from({ length: 120 }, (_, index) => outcome(`f${index}`, { revision: false }));
    expect(takeChunk(failures)).toHaveLength(100);
  });

  it('stays under 3 MB, and takes a single large service alone', () => {
    const large = 'x'.repeat(1_000_000);
    const waiting = [outcome('a', { rendered: large }), outcome('b', { rendered: large }), outcome('c')];
    expect(takeChunk(waiting).map((taken) => taken.envService.service)).toEqual(['a']);
    expect(takeChunk(waiting).map((taken) => taken.envService.service)).toEqual(['b', 'c']);
  });
});

import { describe, expect, it } from 'vitest';
import { mergeValues, releaseName, setValues } from '../../core/helm/values.ts';

describe('values merge (Zadig yamlutil.Merge)', () => {
  it('merges maps recursively, replaces lists and scalars, the later layer winning', () => {
    const chart = { image: { repository: 'web', tag: '1.0' }, ports: [80, 443], debug: false };
    const service = { image: { tag: '2.0' }, ports: [8080], extra: { a: 1 } };
    expect(mergeValues(chart, service)).toEqual({
      image: { repository: 'web', tag: '2.0' },
      ports: [8080],
      debug: false,
      extra: { a: 1 },
    });
    expect(chart.image.tag).toBe('1.0');
  });
});

describe('override KVs (--set semantics)', () => {
  it('walks dotted keys and list indexes, typing strings as Helm does', () => {
    const values = setValues(
      { image: { repository: 'web' } },
      [
        { key: 'image.tag', value: '2.0' },
        { key: 'replicaCount', value: '3' },
        { key: 'debug', value: 'true' },
        { key: 'zip', value: '0123' },
        { key: 'ports[1]', value: 443 },
        { key: 'annotations.example\\.com/team', value: 'payments' },
        { key: 'resources', value: { limits: { cpu: '10m' } } },
      ],
      'overrideKvs',
    );
    expect(values).toEqual({
      image: { repository: 'web', tag: '2.0' },
      replicaCount: 3,
      debug: true,
      zip: '0123',
      ports: [null, 443],
      annotations: { 'example.com/team': 'payments' },
      resources: { limits: { cpu: '10m' } },
    });
  });

  it('names the key it cannot use', () => {
    expect(() => setValues({}, [{ key: 'a..b', value: 1 }], 'overrideKvs')).toThrow(/overrideKvs\[0\]\.key/);
    expect(() => setValues({ a: 'x' }, [{ key: 'a[0]', value: 1 }], 'overrideKvs')).not.toThrow();
    expect(() => setValues({ a: [1] }, [{ key: 'a.b', value: 1 }], 'overrideKvs')).not.toThrow();
  });
});

describe('release names ($Namespace$-$Service$)', () => {
  it('keeps a short name as is and cuts a long one to at most 53 characters with a hash suffix', () => {
    expect(releaseName('dev', 'web')).toBe('dev-web');
    const long = releaseName('a-namespace-with-a-rather-long-name', 'and-a-service-with-a-long-name-too');
    expect(long.length).toBeLessThanOrEqual(53);
    expect(long).toMatch(/^a-namespace-with-a-rather-long-name-and-[0-9a-f]{12}$/);
    expect(releaseName('a-namespace-with-a-rather-long-name', 'and-a-service-with-a-long-name-two')).not.toBe(long);
  });

  it('spells a Zadig service name Helm cannot take in lowercase with dashes, hashed so it stays distinct', () => {
    expect(releaseName('dev', 'My_svc')).toMatch(/^dev-my-svc-[0-9a-f]{12}$/);
    expect(releaseName('dev', 'my_svc')).not.toBe(releaseName('dev', 'my-svc'));
  });
});

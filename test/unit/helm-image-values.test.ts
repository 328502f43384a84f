import { describe, expect, it } from 'vitest';
import { findImagePaths, imagePathKeys, withImage } from '../../core/environments/helm-image-values.ts';
import { mergeValues } from '../../core/helm/values.ts';

describe('image paths in a release values', () => {
  const values = {
    replicaCount: 1,
    image: { repository: 'registry.example.com/demo/web', tag: '1.0' },
    sidecar: { 'proxy.image': 'registry.example.com/demo/proxy:7' },
    jobs: [{ image: 'registry.example.com/demo/job:1' }],
  };

  it('finds a repository/tag pair, and sets a new image there as strings', () => {
    const paths = findImagePaths(values, 'web', 'registry.example.com/demo/web:1.0');
    expect(paths).toEqual({ container: 'web', repository: ['image', 'repository'], tag: ['image', 'tag'] });
    const layer = withImage({}, paths!, 'localhost:5000/demo/web:20240101');
    expect(layer).toEqual({ image: { repository: 'localhost:5000/demo/web', tag: '20240101' } });
    expect(mergeValues(values, layer)).toMatchObject({ replicaCount: 1, image: layer['image'] });
  });

  it('finds a whole reference in one string, keeping a dotted key one key', () => {
    const paths = findImagePaths(values, 'proxy', 'registry.example.com/demo/proxy:7')!;
    expect(imagePathKeys(paths)).toEqual(['sidecar.proxy\\.image']);
    expect(withImage({}, paths, `registry.example.com/demo/proxy@sha256:${'a'.repeat(64)}`)).toEqual({
      sidecar: { 'proxy.image': `registry.example.com/demo/proxy@sha256:${'a'.repeat(64)}` },
    });
  });

  it('does not look inside lists, nor match an image the values do not spell', () => {
    expect(findImagePaths(values, 'job', 'registry.example.com/demo/job:1')).toBeUndefined();
    expect(findImagePaths(values, 'web', 'registry.example.com/demo/web:2.0')).toBeUndefined();
  });

  it('refuses a digest where the chart joins repository and tag', () => {
    const paths = findImagePaths(values, 'web', 'registry.example.com/demo/web:1.0')!;
    expect(() => withImage({}, paths, `registry.example.com/demo/web@sha256:${'b'.repeat(64)}`)).toThrow(
      /^image: container "web" takes its image from image\.repository and image\.tag, which cannot hold a digest/,
    );
  });
});

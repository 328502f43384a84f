import { createHash } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createDocsApp } from '../../functions/docs/app.ts';
import { dialects } from '../../functions/docs/dialects.ts';
import { call } from '../support/http.ts';
import { at, objectAt } from '../support/json.ts';
import { stringAt } from '../support/json.ts';

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document listing every route of every dialect', async () => {
    const response = await call(createDocsApp({ log: () => {} }), '/openapi.json');
    expect(response.status).toBe(200);
    const result = await new Validator().validate(objectAt(response.json));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);

    for (const dialect of dialects) {
      for (const contract of Object.values(dialect.routes)) {
        const path = contract.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        expect(objectAt(response.json, 'paths', path), path).toHaveProperty([contract.method]);
      }
    }
  });

  it('documents parameters and bodies from the validating schemas', async () => {
    const { json } = await call(createDocsApp({ log: () => {} }), '/openapi.json');
    const operation = (path: string, method: string) => objectAt(json, 'paths', path, method);
    expect(
      at(operation('/admin/clusters', 'post'), 'requestBody', 'content', 'application/json', 'schema', 'required'),
    ).toEqual(['id', 'name', 'kubeconfig']);
    expect(operation('/admin/clusters/{id}', 'get').parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    ]);
    const replicas = objectAt(operation('/v1/k8sservice/updatePodReplicas', 'post'), 'requestBody', 'content');
    expect(Object.keys(replicas)).toEqual(['application/x-www-form-urlencoded', 'application/json']);
    expect(operation('/v1/k8sservice/test', 'get').security).toEqual([]);
  });
});

describe('GET /docs', () => {
  it('serves the reference page, whose scripts all come from Berth under a self-only CSP', async () => {
    const app = createDocsApp({ log: () => {} });
    const response = await call(app, '/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self';");

    const scripts = [...response.text.matchAll(/<script src="([^"]+)" integrity="([^"]+)"><\/script>/g)];
    expect(scripts.map(([, src]) => src)).toEqual([
      expect.stringMatching(/^\/docs\/assets\/scalar\.[0-9a-f]{16}\.js$/),
      expect.stringMatching(/^\/docs\/assets\/reference\.[0-9a-f]{16}\.js$/),
    ]);
    for (const [, src, integrity] of scripts) {
      const script = await app.request(src!);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = Buffer.from(await script.arrayBuffer());
      expect(integrity).toBe(`sha384-${createHash('sha384').update(body).digest('base64')}`);
    }
  });

  it('says which package is missing when the Scalar bundle is not installed', async () => {
    const response = await call(createDocsApp({ log: () => {}, loadScalarBundle: () => undefined }), '/docs');
    expect(response.status).toBe(503);
    expect(stringAt(response.json, 'description')).toContain('@scalar/api-reference');
  });
});

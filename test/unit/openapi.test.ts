import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createDocsApp } from '../../functions/docs/app.ts';
import { dialects } from '../../functions/docs/dialects.ts';
import { call } from '../support/http.ts';
import { at, objectAt } from '../support/json.ts';

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

  it('serves a rendered reference at /docs', async () => {
    const response = await call(createDocsApp({ log: () => {} }), '/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.text).toContain('/openapi.json');
  });
});

import { createHash } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createDocsApp } from '../../functions/docs/app.ts';
import { dialects } from '../../functions/docs/dialects.ts';
import { call } from '../support/http.ts';
import { isPortablePattern } from '../../functions/docs/openapi.ts';
import { arrayAt, at, entryWith, type Json, objectAt } from '../support/json.ts';
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

describe('the document states what the validators enforce', () => {
  const document = async () => (await call(createDocsApp({ log: () => {} }), '/openapi.json')).json;
  const parameter = (json: Json | undefined, path: string, method: string, name: string) =>
    entryWith(arrayAt(json, 'paths', path, method, 'parameters'), 'name', name);

  it('declares integer bounds of query text as integers', async () => {
    const json = await document();
    expect(parameter(json, '/admin/tokens', 'get', 'limit').schema).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 500,
      default: 50,
    });
    expect(parameter(json, '/openapi/projects/project', 'get', 'pageSize').schema).toMatchObject({ maximum: 100 });
    expect(parameter(json, '/v1/app', 'get', 'page').schema).toMatchObject({ type: 'integer', minimum: 1, default: 1 });
    expect(parameter(json, '/v1/app', 'get', 'pageSize').schema).toEqual({
      type: 'integer',
      minimum: 0,
      maximum: 1000,
      default: 10,
      description: 'The page size; 0 means all, up to 1000',
    });
    expect(parameter(json, '/v1/deploy/id/{deployId}', 'get', 'deployId').schema).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 999_999_999_999,
    });
  });

  it('types every field of V-Kube’s documented bodies', async () => {
    const schema = async (path: string) =>
      objectAt(await document(), 'paths', path, 'post', 'requestBody', 'content', 'application/json', 'schema');
    expect(at(await schema('/k8s/checkports'), 'properties')).toEqual({
      region: { type: 'string', minLength: 1 },
      ports: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, minItems: 1 },
    });
    const deploy = await schema('/api/v1/k8s/deploy');
    expect(at(deploy, 'properties', 'nodeSelector', 'properties', 'region')).toEqual({ type: 'string', minLength: 1 });
    expect(at(deploy, 'properties', 'containers', 'items', 'properties', 'resource')).toMatchObject({
      properties: { memory: { type: 'string', pattern: '^([0-9]+(?:\\.[0-9]+)?)(Mi|Gi)$' } },
    });
  });

  it('declares every pattern in a form other engines read the same way, and no rule hides one', async () => {
    const text = JSON.stringify(await document());
    for (const [, pattern] of text.matchAll(/"pattern":("(?:[^"\\]|\\.)*")/g)) {
      expect(isPortablePattern(new RegExp(JSON.parse(pattern!) as string)), pattern).toBe(true);
    }
    expect(text).not.toContain('must match /');
  });

  it('lists the rules no schema states in the description, with their 400', async () => {
    const operation = objectAt(await document(), 'paths', '/openapi/environments/image/deployment/{envKey}', 'post');
    expect(operation.description).toContain('env_name must be the environment of the path');
    expect(objectAt(operation, 'responses')).toHaveProperty(['400']);
  });

  it('declares K8s-service’s refusals as the 200 they are answered with', async () => {
    const ok = objectAt(await document(), 'paths', '/v1/k8sservice/getPod', 'get', 'responses', '200');
    expect(at(ok, 'content', 'application/json', 'examples', 'refused', 'value', 'code')).toBe(201);
  });

  it('declares V-Kube’s and ote-stack’s failures answered with 200 and a status word', async () => {
    const json = await document();
    const examples = (path: string, method: string) =>
      objectAt(json, 'paths', path, method, 'responses', '200', 'content', 'application/json', 'examples');
    expect(at(examples('/k8s/checkports', 'post'), 'internalError', 'value', 'status')).toBe('InternalErr');
    expect(at(examples('/k8s/checkports', 'post'), 'noResource', 'value', 'status')).toBe('NoResource');
    expect(at(examples('/v1/deploy/id/{deployId}', 'get'), 'failed', 'value', 'data', 'status')).toBe(7);
  });

  it('links each create route to where the created thing is read and deleted', async () => {
    const links = objectAt(await document(), 'paths', '/openapi/projects/project', 'post', 'responses', '200', 'links');
    expect(links).toMatchObject({
      getProject: { operationId: 'zadig-service.getProject', parameters: { projectKey: '$request.body#/project_key' } },
      deleteProject: { operationId: 'zadig-service.deleteProject' },
    });
    const linksOf = async (path: string, status: string) =>
      objectAt(await document(), 'paths', path, 'post', 'responses', status, 'links');
    expect(await linksOf('/v1/app', '201')).toEqual({
      getApp: { operationId: 'ote-app.getApp', parameters: { appId: '$response.body#/data/id' } },
    });
    expect(await linksOf('/v1/deploy', '201')).toMatchObject({
      getDeploy: { parameters: { deployId: '$response.body#/data/id' } },
      deleteDeployByName: { parameters: { deployName: '$response.body#/data/deployName' } },
    });
    expect(await linksOf('/v1/repository/third', '201')).toHaveProperty(['deleteThirdPartyRepository']);
    expect(await linksOf('/admin/vkube/orders', '201')).toHaveProperty(['deleteOrder']);
    expect(await linksOf('/admin/hooks', '201')).toMatchObject({
      getHook: { operationId: 'admin.getHook', parameters: { id: '$response.body#/id' } },
    });
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

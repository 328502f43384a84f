import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { groupFor, groups, type GroupName } from '../../functions/groups.ts';
import type { Json } from '../support/json.ts';
import { declaredRoutes, isRouterNotFound, unroutedRoutes } from '../support/route-wiring.ts';

/** What a Lambda function URL sends for one request (payload format 2.0), without a token. */
const functionUrlEvent = (method: string, path: string) => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: path,
  rawQueryString: '',
  headers: { host: 'berth.lambda-url.test' },
  isBase64Encoded: false,
  requestContext: {
    domainName: 'berth.lambda-url.test',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
    requestId: 'lambda-entries',
    routeKey: '$default',
    stage: '$default',
    timeEpoch: 0,
  },
});

type Answer = { status: number; json: Json | undefined };
type BufferedHandler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
type StreamingHandler = (event: unknown, stream: Writable, context: unknown) => Promise<void>;
type ResponseMetadata = { statusCode: number };

/** The Lambda runtime's response-streaming API, as far as `streamHandle` uses it. */
const streamingHandlers = new WeakSet<StreamingHandler>();
const responseStreams = new WeakMap<Writable, ResponseMetadata>();
const awslambda = {
  streamifyResponse: (handler: StreamingHandler) => {
    streamingHandlers.add(handler);
    return handler;
  },
  HttpResponseStream: {
    from: (stream: Writable, metadata: ResponseMetadata) => {
      responseStreams.set(stream, metadata);
      return stream;
    },
  },
};

const parse = (body: string): Json | undefined => {
  try {
    return JSON.parse(body) as Json;
  } catch {
    return undefined;
  }
};

/** Invokes a group's deployed entry (`functions/<group>/index.ts`, as sst.config.ts names it) as Lambda would. */
async function invoke(group: GroupName, method: string, path: string): Promise<Answer> {
  const { handler } = (await import(`../../functions/${group}/index.ts`)) as {
    handler: BufferedHandler | StreamingHandler;
  };
  const event = functionUrlEvent(method, path);
  if (!streamingHandlers.has(handler as StreamingHandler)) {
    const result = await (handler as BufferedHandler)(event, {});
    return { status: result.statusCode, json: parse(result.body) };
  }
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await (handler as StreamingHandler)(event, stream, {});
  const metadata = responseStreams.get(stream);
  if (metadata === undefined) throw new Error(`${group} answered without response metadata`);
  return { status: metadata.statusCode, json: parse(Buffer.concat(chunks).toString('utf8')) };
}

const entryFor = (path: string): GroupName => {
  const group = groupFor(path);
  if (group === undefined) throw new Error(`no group serves ${path}`);
  return group;
};

beforeAll(() => {
  vi.stubGlobal('awslambda', awslambda);
  // The configuration each entry reads at cold start; nothing here reaches the table (requests carry no token).
  vi.stubEnv('BERTH_TABLE', 'berth-lambda-entries');
  vi.stubEnv('DYNAMODB_ENDPOINT', 'http://127.0.0.1:9');
  // The entries log each request as a JSON line on stdout, as Lambda collects them; a hundred of them here say nothing.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

describe('the Lambda entries sst.config.ts deploys', () => {
  it('answer a path no route takes with the router’s own not-found', async () => {
    for (const group of groups) {
      // Deeper than any declared path, so that no `/:param` pattern takes it (that would be a 405); two segments
      // at least, because one segment under /hooks is a hook id, which only the table can say is unknown.
      const path = `${group.prefixes[0]}/no-such-route/a/b/c/d/e/f`;
      const answer = await invoke(group.name, 'POST', path);
      expect(isRouterNotFound(answer, 'POST', path), `${group.name}: ${JSON.stringify(answer)}`).toBe(true);
    }
  });

  it('reach every route contract every group declares (a request without a token is refused by the route itself)', async () => {
    const problems = await unroutedRoutes(declaredRoutes, ({ method, path }) => invoke(entryFor(path), method, path));
    expect(problems).toEqual([]);
  });
});

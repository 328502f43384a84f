import { Readable } from 'node:stream';
import {
  ResponseContext,
  wrapHttpLibrary,
  type HttpLibrary,
  type RequestContext,
  type ResponseBody,
} from '@kubernetes/client-node';
import { request, type Dispatcher } from 'undici';

/**
 * What one request to the API server answered: status, headers and a body
 * read once (as JSON, text, a stream, or thrown away).
 */
export type HttpAnswer = {
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
};

/**
 * One request over undici's `request` rather than its `fetch`: no WHATWG
 * Request, Response and Headers objects per call, and a Node stream for the
 * body. With the rest of a call unchanged, that is the difference between
 * client-node's transport and a keep-alive `node:https` agent (see
 * `bench/connections.ts`).
 */
export async function send(
  url: string,
  options: {
    method: string;
    headers: Record<string, string>;
    body?: string | undefined;
    dispatcher?: Dispatcher | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<HttpAnswer> {
  const response = await request(url, {
    method: options.method as Dispatcher.HttpMethod,
    headers: options.headers,
    body: options.body,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    signal: options.signal,
  });
  return { status: response.statusCode, headers: singleValued(response.headers), body: response.body };
}

/** client-node's generated APIs sent through `send`. */
export const undiciHttpLibrary: HttpLibrary = wrapHttpLibrary({
  async send(context: RequestContext): Promise<ResponseContext> {
    const body = context.getBody();
    if (body !== undefined && typeof body !== 'string')
      throw new TypeError('only string request bodies are sent to the API server');
    const answer = await send(context.getUrl(), {
      method: context.getHttpMethod(),
      headers: context.getHeaders(),
      body,
      dispatcher: context.getDispatcher() as Dispatcher | undefined,
      signal: context.getSignal() as AbortSignal | undefined,
    });
    const responseBody: ResponseBody = {
      text: () => answer.body.text(),
      binary: async () => Buffer.from(await answer.body.arrayBuffer()),
      stream: () => Readable.toWeb(answer.body) as ReadableStream<Uint8Array>,
    };
    return new ResponseContext(answer.status, answer.headers, responseBody);
  },
});

function singleValued(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) result[name] = Array.isArray(value) ? value.join(', ') : value;
  return result;
}

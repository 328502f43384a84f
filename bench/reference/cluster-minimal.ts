import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import * as v from 'valibot';

/** The cluster functions' yardstick: the DB-only one plus client-node, listing pods with a stored kubeconfig. */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const Params = v.object({ id: v.pipe(v.string(), v.minLength(1)) });
const app = new Hono();
app.get('/clusters/:id/pods', async (c) => {
  const { id } = v.parse(Params, c.req.param());
  const { Item } = await client.send(
    new GetCommand({ TableName: process.env['TABLE'] ?? 'table', Key: { pk: id, sk: id } }),
  );
  const config = new KubeConfig();
  config.loadFromString(String(Item?.['kubeconfig'] ?? ''));
  const pods = await config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' });
  return c.json(pods.items.map((pod) => pod.metadata?.name));
});
export const handler = handle(app);

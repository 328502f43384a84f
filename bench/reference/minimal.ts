import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import * as v from 'valibot';

/** The budget's yardstick: Hono + DynamoDB DocumentClient + valibot, nothing else. */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const Params = v.object({ id: v.pipe(v.string(), v.minLength(1)) });
const app = new Hono();
app.get('/items/:id', async (c) => {
  const { id } = v.parse(Params, c.req.param());
  const { Item } = await client.send(
    new GetCommand({ TableName: process.env['TABLE'] ?? 'table', Key: { pk: id, sk: id } }),
  );
  return c.json(Item ?? {});
});
export const handler = handle(app);

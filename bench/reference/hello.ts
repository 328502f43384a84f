import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

/** The floor: a Hono hello world, bundled like Berth's functions. */
const app = new Hono();
app.get('/', (c) => c.text('hello'));
export const handler = handle(app);

import { handle } from 'hono/aws-lambda';
import { createDocsApp } from './app.ts';

export const handler = handle(createDocsApp());

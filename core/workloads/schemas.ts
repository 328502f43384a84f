import * as v from 'valibot';
import { Rfc1123Label, Rfc1123Subdomain } from '../names.ts';

export const ObjectName = Rfc1123Subdomain;
export const NamespaceName = Rfc1123Label;

export const MAX_REPLICAS = 10_000;
/** The one replica rule every dialect's scaling shares. */
export const ReplicaCount = v.pipe(
  v.number(),
  v.integer('must be an integer'),
  v.minValue(0, 'must not be negative'),
  v.maxValue(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`),
);

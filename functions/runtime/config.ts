import * as v from 'valibot';

/**
 * Configuration, validated once at cold start. Deployed, SST sets these from
 * its resources and secrets (see sst.config.ts); locally `functions/local.ts`
 * fills the gaps with generated values kept in the data directory.
 */
const Config = v.object({
  BERTH_TABLE: v.pipe(v.string(), v.minLength(3, 'must name the DynamoDB table (at least 3 characters)')),
  BERTH_ENCRYPTION_KEY: v.optional(v.pipe(v.string(), v.minLength(1, 'must be 32 bytes as hex or base64'))),
  BERTH_ADMIN_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, 'must be at least 16 characters'))),
  DYNAMODB_ENDPOINT: v.optional(v.pipe(v.string(), v.url())),
  AWS_REGION: v.optional(v.string()),
  BERTH_CLUSTER_TIMEOUT_MS: v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number), v.minValue(100)),
    '10000',
  ),
  BERTH_K8S_SERVICE_CLUSTER: v.optional(v.string(), 'default'),
  BERTH_OTE_REGISTRY: v.optional(v.string(), 'ote'),
  BERTH_CHART_REGISTRY: v.optional(v.pipe(v.string(), v.minLength(1)), 'charts'),
  BERTH_LOCAL_MODE: v.optional(v.picklist(['true', 'false']), 'false'),
});

export type BerthConfig = {
  tableName: string;
  /** Only functions that seal or open kubeconfigs get the key. */
  encryptionKey: string | undefined;
  adminToken: string | undefined;
  dynamoEndpoint: string | undefined;
  region: string | undefined;
  clusterTimeoutMs: number;
  k8sServiceCluster: string;
  /** The registered registry ote-stack's image repository is. */
  oteRegistry: string;
  /** The id of the registered registry chart templates are pushed to (`charts` unless configured). */
  chartRegistryId: string;
  /** Berth runs on a developer's machine or in tests: outbound webhooks may go to loopback. */
  localMode: boolean;
};

export function loadConfig(env: Record<string, string | undefined>): BerthConfig {
  const result = v.safeParse(Config, env);
  if (!result.success) {
    const problems = result.issues.map(
      (issue) => `${issue.path?.map((item) => String(item.key)).join('.')}: ${issue.message}`,
    );
    throw new Error(`Berth configuration is invalid: ${problems.join('; ')}`);
  }
  const parsed = result.output;
  return {
    tableName: parsed.BERTH_TABLE,
    encryptionKey: parsed.BERTH_ENCRYPTION_KEY,
    adminToken: parsed.BERTH_ADMIN_TOKEN,
    dynamoEndpoint: parsed.DYNAMODB_ENDPOINT,
    region: parsed.AWS_REGION,
    clusterTimeoutMs: parsed.BERTH_CLUSTER_TIMEOUT_MS,
    k8sServiceCluster: parsed.BERTH_K8S_SERVICE_CLUSTER,
    oteRegistry: parsed.BERTH_OTE_REGISTRY,
    chartRegistryId: parsed.BERTH_CHART_REGISTRY,
    localMode: parsed.BERTH_LOCAL_MODE === 'true',
  };
}

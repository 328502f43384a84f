import { defineConfig } from 'vitest/config';

// DynamoDB Local accepts any credentials; the SDK only needs some to sign with.
const awsEnv = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'local' };

const integration = {
  globalSetup: ['test/support/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 180_000,
  env: awsEnv,
};

export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', ['json', { outputFile: '.berth/test-report.json' }]],
    projects: [
      // Pure rules and wiring checked without a network: no DynamoDB, no cluster, no registry (`npm run test:unit`).
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env: awsEnv,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...integration,
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/**/*.disruptive.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      // Suites that stop the shared API server run alone, after everything else.
      {
        test: {
          ...integration,
          name: 'disruptive',
          include: ['test/**/*.disruptive.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

const shared = {
  globalSetup: ['test/support/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 180_000,
  // DynamoDB Local accepts any credentials; the SDK only needs some to sign with.
  env: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'local' },
};

export default defineConfig({
  test: {
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ['default', ['json', { outputFile: '.berth/test-report.json' }]],
    projects: [
      {
        test: {
          ...shared,
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.disruptive.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      // Suites that stop the shared API server run alone, after everything else.
      {
        test: {
          ...shared,
          name: 'disruptive',
          include: ['test/**/*.disruptive.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

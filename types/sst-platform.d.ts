/**
 * Stand-ins for the part of SST's platform globals `sst.config.ts` uses. The
 * real declarations appear in `.sst/platform` only after `sst install`, which
 * cannot run without SST's own download; these keep the config type-checked
 * and let the route-parity test evaluate it.
 */
type SstOutput<T> = T;

declare function $config(config: {
  app(input?: { stage?: string }): { name: string; home: 'aws'; removal: 'retain' | 'remove' };
  run(): Promise<Record<string, unknown>>;
}): unknown;

declare namespace sst {
  class Secret {
    constructor(name: string);
    readonly value: SstOutput<string>;
  }
  namespace aws {
    type FunctionArgs = {
      handler: string;
      runtime?: string;
      architecture?: 'x86_64' | 'arm64';
      memory?: string;
      timeout?: string;
      url?: boolean;
      streaming?: boolean;
      link?: unknown[];
      environment?: Record<string, SstOutput<string>>;
      nodejs?: { minify?: boolean; install?: string[] };
      concurrency?: { reserved?: number; provisioned?: number };
      layers?: SstOutput<string>[];
    };
    class Function {
      constructor(name: string, args: FunctionArgs);
      readonly url: SstOutput<string>;
    }
    class Dynamo {
      constructor(
        name: string,
        args: {
          fields: Record<string, 'string' | 'number' | 'binary'>;
          primaryIndex: { hashKey: string; rangeKey?: string };
          globalIndexes?: Record<string, { hashKey: string; rangeKey?: string }>;
          stream?: 'keys-only' | 'new-image' | 'old-image' | 'new-and-old-images';
          ttl?: string;
        },
      );
      readonly name: SstOutput<string>;
      subscribe(
        name: string,
        subscriber: FunctionArgs,
        args?: {
          transform?: {
            eventSourceMapping?: {
              maximumRetryAttempts?: number;
              bisectBatchOnFunctionError?: boolean;
              batchSize?: number;
            };
          };
        },
      ): unknown;
    }
    /** An EventBridge rule's pattern; `detailType` is the event's `detail-type`. */
    type BusPattern = { source?: string[]; detailType?: string[]; detail?: Record<string, unknown> };
    class Bus {
      constructor(name: string);
      /** Subscribes a function, through a rule, to a bus the app did not create (the account's default bus). */
      static subscribe(
        name: string,
        busArn: SstOutput<string>,
        subscriber: string | FunctionArgs,
        args?: { pattern?: BusPattern },
      ): unknown;
    }
    class Cron {
      constructor(name: string, args: { schedule: string; function: FunctionArgs });
    }
    class Router {
      constructor(name: string, args?: { domain?: string });
      route(pattern: string, url: SstOutput<string>): void;
      readonly url: SstOutput<string>;
    }
  }
}

/** Pulumi's AWS provider, as far as `sst.config.ts` uses it. */
declare namespace aws {
  namespace cloudwatch {
    /** An EventBridge bus looked up by name. */
    function getEventBusOutput(args: { name: string }): { arn: SstOutput<string>; name: SstOutput<string> };
  }
  namespace lambda {
    class LayerVersion {
      constructor(
        name: string,
        args: {
          layerName: string;
          code: unknown;
          compatibleArchitectures?: Array<'x86_64' | 'arm64'>;
          description?: string;
        },
      );
      readonly arn: SstOutput<string>;
    }
  }
}

declare const $util: { asset: { FileArchive: new (path: string) => unknown } };

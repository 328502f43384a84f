import type { SecretBox } from './crypto/secret-box.ts';
import type { HelmEngine } from './helm/helm-engine.ts';
import type { Store } from './store/store.ts';

/**
 * What use-cases get from their composition root. Nothing in `core/` reads
 * the environment: the roots build this once, from validated configuration.
 */
export type CoreContext = {
  store: Store;
  secrets: SecretBox;
  now: () => Date;
  newId: () => string;
  /** The Helm engine, started on first use; only functions deployed with the Helm layer have it (`requireHelm`). */
  helm?: () => Promise<HelmEngine>;
};

/** Page size bounds shared by every list. */
export const PAGE_LIMIT = { default: 50, max: 500 } as const;

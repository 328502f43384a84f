import { CHART_LIMITS } from '../../core/helm/chart-archive.ts';

/** The body limit of a group taking chart uploads: the largest chart accepted, and its multipart framing. */
export const CHART_UPLOAD_BODY_BYTES = CHART_LIMITS.maxArchiveBytes + 64 * 1024;

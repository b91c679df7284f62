export const RETENTION_QUEUE = 'retention';

/** The sweep defers itself between runs (no attempt spent); attempts only count real failures. */
export const RETENTION_MAX_ATTEMPTS = 20;

export const DELIVERY_QUEUE = 'deliver';

/**
 * With backoff of 1 s doubling to at most 5 min, 12 attempts span about 20 minutes: a platform
 * outage of minutes delays messages, it does not fail them.
 */
export const DELIVERY_MAX_ATTEMPTS = 12;

/** Durable routing work: `route` a conversation, `expire` an offer, `route-waiting` a workspace's queue. */
export const ROUTING_QUEUE = 'routing';
export const ROUTING_MAX_ATTEMPTS = 10;

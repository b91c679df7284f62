export const DELIVERY_QUEUE = 'deliver';

import { canAdvanceDeliveryStatus, type DeliveryStatus } from '@onebox/contracts';

const ALL: DeliveryStatus[] = ['received', 'queued', 'sent', 'delivered', 'read', 'failed'];

/** Every move a message's status may make; anything not listed must be refused. */
const ALLOWED: Record<DeliveryStatus, DeliveryStatus[]> = {
  received: [],
  queued: ['sent', 'delivered', 'read', 'failed'],
  sent: ['delivered', 'read', 'failed'],
  delivered: ['read'],
  read: [],
  failed: ['sent', 'delivered', 'read'],
};

describe(canAdvanceDeliveryStatus.name, () => {
  const cases = ALL.flatMap((current) => ALL.map((next) => [current, next, ALLOWED[current].includes(next)] as const));

  it.each(cases)('%s → %s: %s', (current, next, allowed) => {
    expect(canAdvanceDeliveryStatus(current, next)).toBe(allowed);
  });

  it('never lets a status replace itself', () => {
    for (const status of ALL) expect(canAdvanceDeliveryStatus(status, status)).toBe(false);
  });

  it('lets a late provider receipt move a failed message forward but never back to queued', () => {
    expect(canAdvanceDeliveryStatus('failed', 'delivered')).toBe(true);
    expect(canAdvanceDeliveryStatus('failed', 'queued')).toBe(false);
  });
});

import { MaxAdapter, TelegramAdapter, WhatsAppAdapter } from '@onebox/channels';
import { SecretBox } from '../common/secret-box';
import { OutboundGuard } from '../outbound/outbound-guard.service';
import { isMessenger, MessengerRegistry } from './messenger-registry.service';

const SECRET_KEY = 'k'.repeat(40);
const API_ROOTS = {
  telegram: 'http://fake-telegram.test',
  whatsapp: 'http://fake-graph.test',
  max: 'http://fake-max.test',
};
const NOW = new Date('2024-11-21T10:00:00.000Z');
const hoursBefore = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000);

describe(MessengerRegistry.name, () => {
  const guard = new OutboundGuard({ allowedPrivateHosts: [] });
  let registry: MessengerRegistry;

  beforeEach(() => {
    registry = new MessengerRegistry({ secretKey: SECRET_KEY, previousSecretKey: null, apiRoots: API_ROOTS }, guard);
  });

  describe('adapters', () => {
    it('answers each platform’s adapter by type, and all of them', () => {
      expect(registry.adapter('telegram')).toBeInstanceOf(TelegramAdapter);
      expect(registry.adapter('whatsapp')).toBeInstanceOf(WhatsAppAdapter);
      expect(registry.adapter('max')).toBeInstanceOf(MaxAdapter);
      expect(
        registry
          .all()
          .map((a) => a.type)
          .sort(),
      ).toEqual(['max', 'telegram', 'whatsapp']);
    });

    it('tells messengers from the webchat', () => {
      expect(isMessenger('webchat')).toBe(false);
      expect(['telegram', 'whatsapp', 'max'].every((t) => isMessenger(t as 'telegram'))).toBe(true);
    });
  });

  describe('context', () => {
    it.each(['telegram', 'whatsapp', 'max'] as const)(
      'points %s at the configured API root, media through the guarded agents',
      (type) => {
        expect(registry.context(type)).toEqual({
          apiRoot: API_ROOTS[type],
          timeoutMs: 15_000,
          mediaAgents: guard.agents,
        });
      },
    );
  });

  describe('messagingWindow', () => {
    it('is open on WhatsApp within 24 hours of the customer’s last message, closing 24 hours after it', () => {
      const last = hoursBefore(23);

      expect(registry.messagingWindow('whatsapp', last, NOW)).toEqual({
        hours: 24,
        closesAt: '2024-11-21T11:00:00.000Z',
        open: true,
      });
    });

    it('is closed on WhatsApp 24 hours or more after the customer’s last message', () => {
      expect(registry.messagingWindow('whatsapp', hoursBefore(25), NOW)).toEqual({
        hours: 24,
        closesAt: '2024-11-21T09:00:00.000Z',
        open: false,
      });
      expect(registry.messagingWindow('whatsapp', hoursBefore(24), NOW)).toEqual({
        hours: 24,
        closesAt: NOW.toISOString(),
        open: false,
      });
    });

    it('is closed on WhatsApp when the customer never wrote', () => {
      expect(registry.messagingWindow('whatsapp', null, NOW)).toEqual({ hours: 24, closesAt: null, open: false });
    });

    it.each(['telegram', 'max', 'webchat'] as const)('does not exist on %s', (type) => {
      expect(registry.messagingWindow(type, hoursBefore(100), NOW)).toBeNull();
      expect(registry.messagingWindow(type, null, NOW)).toBeNull();
    });
  });

  describe('credentials', () => {
    const credentials = { phoneNumberId: '1234567890', accessToken: 'EAAG-secret', appSecret: 's3cr3t' };

    it('seals credentials so that the stored text does not reveal them', () => {
      const sealed = registry.sealCredentials(credentials);

      expect(sealed).toMatch(/^v1\./);
      expect(sealed).not.toContain('EAAG-secret');
      expect(sealed).not.toContain('s3cr3t');
      expect(registry.sealCredentials(credentials)).not.toBe(sealed);
    });

    it('connects a channel with its decrypted credentials, adapter and API root', () => {
      const connected = registry.connect({ type: 'whatsapp', credentials_enc: registry.sealCredentials(credentials) });

      expect(connected.adapter).toBe(registry.adapter('whatsapp'));
      expect(connected.credentials).toEqual(credentials);
      expect(connected.ctx).toEqual({
        apiRoot: 'http://fake-graph.test',
        timeoutMs: 15_000,
        mediaAgents: guard.agents,
      });
    });

    it('opens credentials sealed by another process with the same secret key', () => {
      const sealed = new SecretBox(SECRET_KEY).seal(JSON.stringify({ botToken: '1:abc' }));

      expect(registry.connect({ type: 'telegram', credentials_enc: sealed }).credentials).toEqual({
        botToken: '1:abc',
      });
    });

    it('seals new webhook secrets and opens them, and plain ones stored before sealing began', () => {
      const { secret, sealed } = registry.newWebhookSecret();

      expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(sealed).toMatch(/^v1\./);
      expect(sealed).not.toContain(secret);
      expect(registry.webhookSecret({ webhook_secret: sealed })).toBe(secret);
      expect(registry.webhookSecret({ webhook_secret: 'legacy-plain-secret' })).toBe('legacy-plain-secret');
    });

    it('opens values sealed with the previous key while rotating to a new one', () => {
      const rotating = new MessengerRegistry(
        { secretKey: 'n'.repeat(40), previousSecretKey: SECRET_KEY, apiRoots: API_ROOTS },
        guard,
      );
      const { secret, sealed } = registry.newWebhookSecret();

      expect(rotating.webhookSecret({ webhook_secret: sealed })).toBe(secret);
      expect(
        rotating.connect({ type: 'telegram', credentials_enc: registry.sealCredentials({ botToken: '1:abc' }) })
          .credentials,
      ).toEqual({
        botToken: '1:abc',
      });
    });

    it('refuses credentials sealed with another key', () => {
      const other = new MessengerRegistry(
        { secretKey: 'x'.repeat(40), previousSecretKey: null, apiRoots: API_ROOTS },
        guard,
      );

      expect(() =>
        registry.connect({ type: 'telegram', credentials_enc: other.sealCredentials({ botToken: '1:abc' }) }),
      ).toThrow();
    });

    it('refuses a webchat channel and a messenger channel without credentials', () => {
      expect(() => registry.connect({ type: 'webchat', credentials_enc: null })).toThrow(
        'webchat channel has no messenger credentials',
      );
      expect(() => registry.connect({ type: 'telegram', credentials_enc: null })).toThrow(
        'telegram channel has no messenger credentials',
      );
    });
  });
});

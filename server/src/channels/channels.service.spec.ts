import { ChannelError, type AdapterContext, type ChannelAdapter, type CredentialField } from '@onebox/channels';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import type { AppConfig } from '../config/app-config';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { ChannelsRepository, type ChannelRow } from './channels.repository';
import { ChannelsService } from './channels.service';

const PUBLIC_URL = 'https://inbox.example.com';
const admin: AuthUser = { id: 'u-admin', workspaceId: 'ws-1', role: 'admin', name: 'Ada', email: 'ada@example.com' };
const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';
const CTX: AdapterContext = { apiRoot: 'http://fake-telegram.test', timeoutMs: 15_000 };

const channelRow = (o: Partial<ChannelRow> = {}): ChannelRow => rows.channelRow({ widget_key: 'wk_123', ...o });

const TOKEN_FIELD: CredentialField = {
  key: 'botToken',
  label: { en: 'Bot token', ru: 'Токен бота' },
  secret: true,
  required: true,
  pattern: '^\\d+:[A-Za-z0-9_-]{30,}$',
  hint: { en: 'Ask @BotFather', ru: 'Спросите @BotFather' },
};
const LABEL_FIELD: CredentialField = {
  key: 'label',
  label: { en: 'Label', ru: 'Метка' },
  secret: false,
  required: false,
};

type FakeAdapter = ChannelAdapter & {
  [K in 'checkCredentials' | 'registerWebhook' | 'unregisterWebhook']: jest.Mock;
};

/** A hand-made adapter: declarations as given, every method failing the test unless stubbed. */
function fakeAdapter(
  overrides: Partial<Pick<ChannelAdapter, 'type' | 'credentialFields' | 'capabilities'>> = {},
): FakeAdapter {
  const type = overrides.type ?? 'telegram';
  const unexpected = (method: string) =>
    jest.fn((...args: unknown[]) => {
      throw new Error(`Unexpected call: ${type} adapter.${method}(${JSON.stringify(args)})`);
    });
  return {
    type,
    credentialFields: [TOKEN_FIELD, LABEL_FIELD],
    capabilities: {
      maxTextLength: 4096,
      splitsLongText: true,
      media: ['image', 'document'],
      messagingWindowHours: null,
      templates: false,
      webhook: true,
      polling: true,
    },
    checkCredentials: unexpected('checkCredentials'),
    registerWebhook: unexpected('registerWebhook'),
    unregisterWebhook: unexpected('unregisterWebhook'),
    verifyWebhook: unexpected('verifyWebhook'),
    answerHandshake: unexpected('answerHandshake'),
    normalizeInbound: unexpected('normalizeInbound'),
    send: unexpected('send'),
    fetchMedia: unexpected('fetchMedia'),
    ...overrides,
  } as FakeAdapter;
}

async function rejectionOf(promise: Promise<unknown>): Promise<ApiException> {
  return promise.then(
    () => {
      throw new Error('Expected the call to be rejected');
    },
    (err: unknown) => err as ApiException,
  );
}

/** A channel that never chose a routing mode: today's open queue. */
const OPEN_ROUTING = { mode: 'open', offerTimeoutSec: 30, ownerTimeoutSec: 60 };

describe(ChannelsService.name, () => {
  let channels: ReturnType<typeof strictMock<ChannelsRepository>>;
  let messengers: ReturnType<typeof strictMock<MessengerRegistry>>;
  let config: Pick<AppConfig, 'publicUrl' | 'updateMode'>;
  let service: ChannelsService;

  beforeEach(() => {
    channels = strictMock(ChannelsRepository);
    messengers = strictMock(MessengerRegistry);
    let secrets = 0;
    messengers.newWebhookSecret.mockImplementation(() => ({
      secret: `whsec-${++secrets}`,
      sealed: `v1.whsec-${secrets}`,
    }));
    config = { publicUrl: PUBLIC_URL, updateMode: 'webhook' };
    service = new ChannelsService(
      channels as unknown as ChannelsRepository,
      messengers as unknown as MessengerRegistry,
      config,
    );
  });

  describe('list', () => {
    it('answers the workspace’s channels with no secrets', async () => {
      channels.listByWorkspace.mockResolvedValueOnce([
        channelRow(),
        channelRow({
          id: 'ch-2',
          type: 'telegram',
          name: 'TG',
          credentials_enc: 'v1.sealed',
          widget_key: null,
          settings: { accountId: '42', accountName: '@shop_bot', mode: 'polling' },
          status: 'error',
          status_message: 'Telegram refused the token',
        }),
      ]);

      const result = await service.list(admin);

      expect(channels.listByWorkspace).toHaveBeenCalledWith('ws-1');
      expect(result).toEqual([
        {
          id: 'ch-1',
          type: 'webchat',
          name: 'Website',
          status: 'active',
          createdAt: '2024-11-21T10:00:00.000Z',
          routing: OPEN_ROUTING,
          widgetKey: 'wk_123',
          embedSnippet: `<script src="${PUBLIC_URL}/widget.js" data-widget-key="wk_123" async></script>`,
        },
        {
          id: 'ch-2',
          type: 'telegram',
          name: 'TG',
          status: 'error',
          createdAt: '2024-11-21T10:00:00.000Z',
          routing: OPEN_ROUTING,
          webhookUrl: `${PUBLIC_URL}/webhooks/telegram/ch-2`,
          accountName: '@shop_bot',
          mode: 'polling',
          statusMessage: 'Telegram refused the token',
        },
      ]);
      expect(JSON.stringify(result)).not.toMatch(/whsec|v1\.sealed/);
    });
  });

  describe('types', () => {
    it('lists webchat first, then each adapter’s declared credential fields and capabilities', () => {
      const telegram = fakeAdapter();
      const whatsapp = fakeAdapter({
        type: 'whatsapp',
        credentialFields: [{ ...TOKEN_FIELD, key: 'accessToken', pattern: undefined }],
        capabilities: {
          maxTextLength: 4096,
          splitsLongText: false,
          media: ['image', 'document', 'audio', 'video'],
          messagingWindowHours: 24,
          templates: true,
          webhook: true,
          polling: false,
        },
      });
      messengers.all.mockReturnValueOnce([telegram, whatsapp]);

      const types = service.types();

      expect(types).toEqual([
        {
          type: 'webchat',
          credentialFields: [],
          capabilities: {
            maxTextLength: 10_000,
            media: ['image', 'document'],
            messagingWindowHours: null,
            templates: false,
          },
        },
        {
          type: 'telegram',
          credentialFields: [TOKEN_FIELD, LABEL_FIELD],
          capabilities: {
            maxTextLength: 4096,
            media: ['image', 'document'],
            messagingWindowHours: null,
            templates: false,
          },
        },
        {
          type: 'whatsapp',
          credentialFields: [{ ...TOKEN_FIELD, key: 'accessToken', pattern: undefined }],
          capabilities: {
            maxTextLength: 4096,
            media: ['image', 'document', 'audio', 'video'],
            messagingWindowHours: 24,
            templates: true,
          },
        },
      ]);
      expect(types[1].credentialFields[0]).not.toBe(TOKEN_FIELD);
    });
  });

  describe('create a webchat channel', () => {
    it('creates a webchat channel with fresh random keys and answers its embed snippet', async () => {
      channels.insert.mockImplementationOnce(async (input) => channelRow({ ...input, id: 'ch-new' }));

      const result = await service.create(admin, { type: 'webchat', name: '  Website  ', credentials: {} });

      expect(channels.insert).toHaveBeenCalledTimes(1);
      const [input] = channels.insert.mock.calls[0];
      expect(input).toEqual({
        workspace_id: 'ws-1',
        type: 'webchat',
        name: 'Website',
        credentials_enc: null,
        webhook_secret: 'v1.whsec-1',
        widget_key: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
      });
      expect(result).toEqual({
        id: 'ch-new',
        type: 'webchat',
        name: 'Website',
        status: 'active',
        createdAt: '2024-11-21T10:00:00.000Z',
        routing: OPEN_ROUTING,
        widgetKey: input.widget_key,
        embedSnippet: `<script src="${PUBLIC_URL}/widget.js" data-widget-key="${input.widget_key}" async></script>`,
      });
    });

    it('draws different keys for every channel', async () => {
      channels.insert.mockImplementation(async (input) => channelRow(input));

      await service.create(admin, { type: 'webchat', name: 'A', credentials: {} });
      await service.create(admin, { type: 'webchat', name: 'B', credentials: {} });

      const [[a], [b]] = channels.insert.mock.calls;
      expect(a.widget_key).not.toBe(b.widget_key);
      expect(a.webhook_secret).not.toBe(b.webhook_secret);
    });

    it('answers 400 naming `credentials` when a webchat channel is given some, and stores nothing', async () => {
      const err = await rejectionOf(
        service.create(admin, { type: 'webchat', name: 'Website', credentials: { token: 'x' } }),
      );

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(400);
      expect(err.details).toEqual([{ field: 'credentials', message: expect.any(String) }]);
      expect(channels.insert).not.toHaveBeenCalled();
    });
  });

  describe('create a messenger channel', () => {
    let adapter: FakeAdapter;

    beforeEach(() => {
      adapter = fakeAdapter();
      messengers.adapter.mockReturnValue(adapter);
      messengers.context.mockReturnValue(CTX);
    });

    function expectNothingStored(): void {
      expect(messengers.sealCredentials).not.toHaveBeenCalled();
      expect(channels.insert).not.toHaveBeenCalled();
      expect(adapter.registerWebhook).not.toHaveBeenCalled();
      expect(adapter.unregisterWebhook).not.toHaveBeenCalled();
    }

    /** Stubs a successful check, seal and insert; answers the row the insert returns. */
    function stubConnect(): void {
      adapter.checkCredentials.mockResolvedValueOnce({ accountId: '42', accountName: '@shop_bot' });
      messengers.sealCredentials.mockReturnValueOnce('v1.sealed');
      channels.insert.mockImplementationOnce(async (input) => channelRow({ ...input, id: 'ch-tg' }));
    }

    it('in webhook mode checks the token, stores it sealed with the account, then registers the webhook with the secret', async () => {
      stubConnect();
      adapter.registerWebhook.mockResolvedValueOnce(undefined);

      const result = await service.create(admin, {
        type: 'telegram',
        name: ' Shop bot ',
        credentials: { botToken: `  ${TOKEN} ` },
      });

      expect(messengers.adapter).toHaveBeenCalledWith('telegram');
      expect(messengers.context).toHaveBeenCalledWith('telegram');
      expect(adapter.checkCredentials).toHaveBeenCalledWith({ botToken: TOKEN }, CTX);
      expect(messengers.sealCredentials).toHaveBeenCalledWith({ botToken: TOKEN });
      expect(channels.insert).toHaveBeenCalledTimes(1);
      const [input] = channels.insert.mock.calls[0];
      expect(input).toEqual({
        workspace_id: 'ws-1',
        type: 'telegram',
        name: 'Shop bot',
        credentials_enc: 'v1.sealed',
        webhook_secret: 'v1.whsec-1',
        widget_key: null,
        settings: { accountId: '42', accountName: '@shop_bot', mode: 'webhook' },
      });
      // The platform gets the secret in clear; the row keeps it sealed.
      expect(adapter.registerWebhook).toHaveBeenCalledWith(
        { botToken: TOKEN },
        { url: `${PUBLIC_URL}/webhooks/telegram/ch-tg`, secret: 'whsec-1' },
        CTX,
      );
      expect(channels.insert.mock.invocationCallOrder[0]).toBeLessThan(
        adapter.registerWebhook.mock.invocationCallOrder[0],
      );
      expect(adapter.unregisterWebhook).not.toHaveBeenCalled();
      expect(result).toEqual({
        id: 'ch-tg',
        type: 'telegram',
        name: 'Shop bot',
        status: 'active',
        createdAt: '2024-11-21T10:00:00.000Z',
        routing: OPEN_ROUTING,
        webhookUrl: `${PUBLIC_URL}/webhooks/telegram/ch-tg`,
        accountName: '@shop_bot',
        mode: 'webhook',
        statusMessage: null,
      });
      expect(JSON.stringify(result)).not.toContain(TOKEN);
      expect(JSON.stringify(result)).not.toContain('whsec-1');
    });

    it('keeps an optional field that was given', async () => {
      stubConnect();
      adapter.registerWebhook.mockResolvedValueOnce(undefined);

      await service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN, label: ' main ' } });

      expect(adapter.checkCredentials).toHaveBeenCalledWith({ botToken: TOKEN, label: 'main' }, CTX);
      expect(messengers.sealCredentials).toHaveBeenCalledWith({ botToken: TOKEN, label: 'main' });
    });

    it('in polling mode removes any webhook left behind instead of registering one', async () => {
      config.updateMode = 'polling';
      stubConnect();
      adapter.unregisterWebhook.mockResolvedValueOnce(undefined);

      const result = await service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN } });

      expect(channels.insert).toHaveBeenCalledWith(
        expect.objectContaining({ settings: { accountId: '42', accountName: '@shop_bot', mode: 'polling' } }),
      );
      expect(adapter.unregisterWebhook).toHaveBeenCalledWith(
        { botToken: TOKEN },
        { url: `${PUBLIC_URL}/webhooks/telegram/ch-tg` },
        CTX,
      );
      expect(adapter.registerWebhook).not.toHaveBeenCalled();
      expect(result.mode).toBe('polling');
    });

    it('uses a webhook for a platform that cannot be polled, whatever the configured mode', async () => {
      config.updateMode = 'polling';
      adapter = fakeAdapter({
        type: 'whatsapp',
        capabilities: { ...fakeAdapter().capabilities, polling: false, messagingWindowHours: 24, templates: true },
      });
      messengers.adapter.mockReturnValue(adapter);
      stubConnect();
      adapter.registerWebhook.mockResolvedValueOnce(undefined);

      await service.create(admin, { type: 'whatsapp', name: 'WA', credentials: { botToken: TOKEN } });

      expect(channels.insert).toHaveBeenCalledWith(
        expect.objectContaining({ type: 'whatsapp', settings: expect.objectContaining({ mode: 'webhook' }) }),
      );
      expect(adapter.registerWebhook).toHaveBeenCalledWith(
        { botToken: TOKEN },
        { url: `${PUBLIC_URL}/webhooks/whatsapp/ch-tg`, secret: expect.any(String) },
        CTX,
      );
    });

    it.each([
      ['a public https PUBLIC_URL', 'https://inbox.example.com', 'webhook'],
      ['a localhost PUBLIC_URL', 'http://localhost:3000', 'polling'],
      ['a private-network https PUBLIC_URL', 'https://192.168.1.10', 'polling'],
    ] as const)('in auto mode picks %s → %s', async (_, publicUrl, mode) => {
      config.updateMode = 'auto';
      config.publicUrl = publicUrl;
      stubConnect();
      adapter.registerWebhook.mockResolvedValue(undefined);
      adapter.unregisterWebhook.mockResolvedValue(undefined);

      await service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN } });

      expect(channels.insert).toHaveBeenCalledWith(
        expect.objectContaining({ settings: expect.objectContaining({ mode }) }),
      );
      expect(mode === 'webhook' ? adapter.registerWebhook : adapter.unregisterWebhook).toHaveBeenCalledTimes(1);
      expect(mode === 'webhook' ? adapter.unregisterWebhook : adapter.registerWebhook).not.toHaveBeenCalled();
    });

    it('answers 400 naming `credentials.botToken` when the required token is missing, asking the platform nothing', async () => {
      const err = await rejectionOf(service.create(admin, { type: 'telegram', name: 'Bot', credentials: {} }));

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(400);
      expect(err.code).toBe('validation_failed');
      expect(err.details).toEqual([{ field: 'credentials.botToken', message: 'is required' }]);
      expect(adapter.checkCredentials).not.toHaveBeenCalled();
      expectNothingStored();
    });

    it('answers 400 naming an unknown credential field', async () => {
      const err = await rejectionOf(
        service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN, apiKey: 'x' } }),
      );

      expect(err.getStatus()).toBe(400);
      expect(err.code).toBe('validation_failed');
      expect(err.details).toEqual([{ field: 'credentials.apiKey', message: 'is not a field of this channel type' }]);
      expect(adapter.checkCredentials).not.toHaveBeenCalled();
      expectNothingStored();
    });

    it('answers 400 naming the field whose value does not match its pattern', async () => {
      const err = await rejectionOf(
        service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: 'not-a-token' } }),
      );

      expect(err.getStatus()).toBe(400);
      expect(err.code).toBe('validation_failed');
      expect(err.details).toEqual([{ field: 'credentials.botToken', message: 'does not look right' }]);
      expect(adapter.checkCredentials).not.toHaveBeenCalled();
      expectNothingStored();
    });

    it('names every problem at once', async () => {
      const err = await rejectionOf(
        service.create(admin, { type: 'telegram', name: 'Bot', credentials: { extra: '1', label: 'x' } }),
      );

      expect(err.details).toEqual([
        { field: 'credentials.extra', message: 'is not a field of this channel type' },
        { field: 'credentials.botToken', message: 'is required' },
      ]);
      expect(err.message).toBe('Invalid fields: credentials.extra, credentials.botToken');
    });

    it('answers 400 `is required` naming a required field without a pattern that was given only blanks', async () => {
      adapter = fakeAdapter({
        type: 'whatsapp',
        credentialFields: [{ ...TOKEN_FIELD, key: 'accessToken', pattern: undefined }],
      });
      messengers.adapter.mockReturnValue(adapter);

      const err = await rejectionOf(
        service.create(admin, { type: 'whatsapp', name: 'WA', credentials: { accessToken: '   ' } }),
      );

      expect(err.getStatus()).toBe(400);
      expect(err.details).toEqual([{ field: 'credentials.accessToken', message: 'is required' }]);
      expect(adapter.checkCredentials).not.toHaveBeenCalled();
    });

    it('answers 400 invalid_credentials when the platform refuses the token, and stores nothing', async () => {
      adapter.checkCredentials.mockRejectedValueOnce(
        new ChannelError('invalid_credentials', 'Unauthorized', undefined, 401),
      );

      const err = await rejectionOf(
        service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN } }),
      );

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(400);
      expect(err.code).toBe('invalid_credentials');
      expect(err.message).toBe('Telegram refused these credentials: Unauthorized');
      expect(err.details).toEqual([{ field: 'credentials', message: 'Unauthorized' }]);
      expect(adapter.checkCredentials).toHaveBeenCalledWith({ botToken: TOKEN }, CTX);
      expectNothingStored();
    });

    it('answers 502 platform_unavailable when the platform cannot be reached, and stores nothing', async () => {
      adapter.checkCredentials.mockRejectedValueOnce(new ChannelError('temporary', 'Bad Gateway'));

      const err = await rejectionOf(
        service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN } }),
      );

      expect(err.getStatus()).toBe(502);
      expect(err.code).toBe('platform_unavailable');
      expect(err.message).toBe('Could not set up the Telegram channel: Bad Gateway');
      expectNothingStored();
    });

    it('removes the stored channel and answers 502 when the webhook cannot be registered', async () => {
      stubConnect();
      adapter.registerWebhook.mockRejectedValueOnce(new ChannelError('temporary', 'Connection reset'));
      channels.hardDelete.mockResolvedValueOnce(undefined);

      const err = await rejectionOf(
        service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN } }),
      );

      expect(err.getStatus()).toBe(502);
      expect(err.code).toBe('platform_unavailable');
      expect(err.message).toBe('Could not set up the Telegram channel: Connection reset');
      expect(channels.hardDelete).toHaveBeenCalledWith('ch-tg');
    });

    it('removes the stored channel and answers 400 when the platform refuses the webhook’s credentials', async () => {
      stubConnect();
      adapter.registerWebhook.mockRejectedValueOnce(new ChannelError('invalid_credentials', 'Unauthorized'));
      channels.hardDelete.mockResolvedValueOnce(undefined);

      const err = await rejectionOf(
        service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN } }),
      );

      expect(err.getStatus()).toBe(400);
      expect(err.code).toBe('invalid_credentials');
      expect(channels.hardDelete).toHaveBeenCalledWith('ch-tg');
    });

    it('removes the stored channel when clearing an old webhook fails in polling mode', async () => {
      config.updateMode = 'polling';
      stubConnect();
      adapter.unregisterWebhook.mockRejectedValueOnce(new Error('socket hang up'));
      channels.hardDelete.mockResolvedValueOnce(undefined);

      const err = await rejectionOf(
        service.create(admin, { type: 'telegram', name: 'Bot', credentials: { botToken: TOKEN } }),
      );

      expect(err.getStatus()).toBe(502);
      expect(err.message).toBe('Could not set up the Telegram channel: socket hang up');
      expect(channels.hardDelete).toHaveBeenCalledWith('ch-tg');
    });
  });

  describe('remove', () => {
    const telegramRow = (mode: 'webhook' | 'polling') =>
      channelRow({
        id: 'ch-tg',
        type: 'telegram',
        credentials_enc: 'v1.sealed',
        widget_key: null,
        settings: { accountId: '42', accountName: '@shop_bot', mode },
      });

    it('soft-deletes a webchat channel of the caller’s workspace', async () => {
      channels.findInWorkspace.mockResolvedValueOnce(channelRow());
      channels.softDelete.mockResolvedValueOnce(true);

      await service.remove(admin, 'ch-1');

      expect(channels.findInWorkspace).toHaveBeenCalledWith('ws-1', 'ch-1');
      expect(channels.softDelete).toHaveBeenCalledWith('ws-1', 'ch-1');
      expect(messengers.connect).not.toHaveBeenCalled();
    });

    it('answers 404 when no live channel of the workspace has that id', async () => {
      channels.findInWorkspace.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.remove(admin, 'ch-elsewhere'));

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(404);
      expect(err.code).toBe('not_found');
      expect(channels.softDelete).not.toHaveBeenCalled();
    });

    it('answers 404 when the channel was removed concurrently', async () => {
      channels.findInWorkspace.mockResolvedValueOnce(channelRow());
      channels.softDelete.mockResolvedValueOnce(false);

      const err = await rejectionOf(service.remove(admin, 'ch-1'));

      expect(err.getStatus()).toBe(404);
      expect(messengers.connect).not.toHaveBeenCalled();
    });

    it('stops the platform’s webhook deliveries of a webhook-mode messenger', async () => {
      const row = telegramRow('webhook');
      const adapter = fakeAdapter();
      channels.findInWorkspace.mockResolvedValueOnce(row);
      channels.softDelete.mockResolvedValueOnce(true);
      messengers.connect.mockReturnValueOnce({ adapter, credentials: { botToken: TOKEN }, ctx: CTX });
      adapter.unregisterWebhook.mockResolvedValueOnce(undefined);

      await service.remove(admin, 'ch-tg');

      expect(channels.softDelete).toHaveBeenCalledWith('ws-1', 'ch-tg');
      expect(messengers.connect).toHaveBeenCalledWith(row);
      expect(adapter.unregisterWebhook).toHaveBeenCalledWith(
        { botToken: TOKEN },
        { url: `${PUBLIC_URL}/webhooks/telegram/ch-tg` },
        CTX,
      );
    });

    it('still removes the channel when the platform cannot be told', async () => {
      const adapter = fakeAdapter();
      channels.findInWorkspace.mockResolvedValueOnce(telegramRow('webhook'));
      channels.softDelete.mockResolvedValueOnce(true);
      messengers.connect.mockReturnValueOnce({ adapter, credentials: { botToken: TOKEN }, ctx: CTX });
      adapter.unregisterWebhook.mockRejectedValueOnce(new ChannelError('invalid_credentials', 'Unauthorized'));

      await expect(service.remove(admin, 'ch-tg')).resolves.toBeUndefined();

      expect(channels.softDelete).toHaveBeenCalledWith('ws-1', 'ch-tg');
      expect(adapter.unregisterWebhook).toHaveBeenCalledTimes(1);
    });

    it('leaves the platform alone for a polling-mode messenger (the poller stops by itself)', async () => {
      channels.findInWorkspace.mockResolvedValueOnce(telegramRow('polling'));
      channels.softDelete.mockResolvedValueOnce(true);

      await service.remove(admin, 'ch-tg');

      expect(channels.softDelete).toHaveBeenCalledWith('ws-1', 'ch-tg');
      expect(messengers.connect).not.toHaveBeenCalled();
    });
  });
});

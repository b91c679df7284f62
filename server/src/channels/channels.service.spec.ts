import { strictMock } from '../../test/strict-mock';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ChannelsRepository, type ChannelRow } from './channels.repository';
import { ChannelsService } from './channels.service';

const PUBLIC_URL = 'https://inbox.example.com';
const admin: AuthUser = { id: 'u-admin', workspaceId: 'ws-1', role: 'admin', name: 'Ada', email: 'ada@example.com' };

function channelRow(overrides: Partial<ChannelRow> = {}): ChannelRow {
  return {
    id: 'ch-1',
    workspace_id: 'ws-1',
    type: 'webchat',
    name: 'Website',
    status: 'active',
    credentials_enc: null,
    webhook_secret: 'whsec',
    widget_key: 'wk_123',
    settings: {},
    created_at: new Date('2024-11-21T10:00:00.000Z'),
    ...overrides,
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<ApiException> {
  return promise.then(
    () => {
      throw new Error('Expected the call to be rejected');
    },
    (err: unknown) => err as ApiException,
  );
}

describe(ChannelsService.name, () => {
  let channels: ReturnType<typeof strictMock<ChannelsRepository>>;
  let service: ChannelsService;

  beforeEach(() => {
    channels = strictMock(ChannelsRepository);
    service = new ChannelsService(channels as unknown as ChannelsRepository, { publicUrl: PUBLIC_URL });
  });

  describe('list', () => {
    it('answers the workspace’s channels with no secrets', async () => {
      channels.listByWorkspace.mockResolvedValueOnce([
        channelRow(),
        channelRow({ id: 'ch-2', type: 'telegram', name: 'TG', credentials_enc: 'v1.sealed', widget_key: null }),
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
          widgetKey: 'wk_123',
          embedSnippet: `<script src="${PUBLIC_URL}/widget.js" data-widget-key="wk_123" async></script>`,
        },
        {
          id: 'ch-2',
          type: 'telegram',
          name: 'TG',
          status: 'active',
          createdAt: '2024-11-21T10:00:00.000Z',
          webhookUrl: `${PUBLIC_URL}/webhooks/telegram/ch-2`,
        },
      ]);
      expect(JSON.stringify(result)).not.toMatch(/whsec|v1\.sealed/);
    });
  });

  describe('create', () => {
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
        webhook_secret: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
        widget_key: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
      });
      expect(result).toEqual({
        id: 'ch-new',
        type: 'webchat',
        name: 'Website',
        status: 'active',
        createdAt: '2024-11-21T10:00:00.000Z',
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

    it.each(['telegram', 'whatsapp', 'max'] as const)(
      'answers 400 naming `type` for a %s channel, and stores nothing',
      async (type) => {
        const err = await rejectionOf(service.create(admin, { type, name: 'Bot', credentials: { botToken: '1:A' } }));

        expect(err).toBeInstanceOf(ApiException);
        expect(err.getStatus()).toBe(400);
        expect(err.code).toBe('channel_type_unavailable');
        expect(err.details).toEqual([{ field: 'type', message: `${type} is not available yet; webchat is` }]);
        expect(channels.insert).not.toHaveBeenCalled();
      },
    );
  });

  describe('remove', () => {
    it('soft-deletes a channel of the caller’s workspace', async () => {
      channels.softDelete.mockResolvedValueOnce(true);

      await service.remove(admin, 'ch-1');

      expect(channels.softDelete).toHaveBeenCalledWith('ws-1', 'ch-1');
    });

    it('answers 404 when no live channel of the workspace has that id', async () => {
      channels.softDelete.mockResolvedValueOnce(false);

      const err = await rejectionOf(service.remove(admin, 'ch-elsewhere'));

      expect(err).toBeInstanceOf(ApiException);
      expect(err.getStatus()).toBe(404);
      expect(err.code).toBe('not_found');
    });
  });
});

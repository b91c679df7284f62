import type { ChannelTypeDto, ConversationDetail, ConversationListItem, MessageDto, UserDto } from '@onebox/contracts';

export const ME: UserDto = { id: 'u-me', email: 'me@onebox.local', name: 'Mia Agent', role: 'manager' };

export function conversation(id: string, patch: Partial<ConversationListItem> = {}): ConversationListItem {
  return {
    id,
    channel: { id: 'ch-1', type: 'telegram', name: 'Sales bot' },
    contact: { id: `ct-${id}`, name: `Contact ${id}` },
    status: 'open',
    assignee: null,
    tags: [],
    lastMessage: { text: `hello from ${id}`, direction: 'in', createdAt: '2025-03-01T10:00:00.000Z' },
    unreadCount: 0,
    deal: null,
    createdAt: '2025-03-01T09:00:00.000Z',
    updatedAt: '2025-03-01T10:00:00.000Z',
    ...patch,
  };
}

export function detail(id: string, patch: Partial<ConversationDetail> = {}): ConversationDetail {
  return {
    ...conversation(id),
    contact: {
      id: `ct-${id}`,
      name: `Contact ${id}`,
      email: null,
      phone: null,
      identities: [],
      createdAt: '2025-01-01T00:00:00.000Z',
    },
    cycle: 1,
    cycleStartedAt: '2025-03-01T09:00:00.000Z',
    firstCustomerMessageAt: null,
    firstHumanReplyAt: null,
    resolvedAt: null,
    messagingWindow: null,
    pastConversations: [],
    ...patch,
  };
}

export function message(id: string, patch: Partial<MessageDto> = {}): MessageDto {
  return {
    id,
    conversationId: 'c1',
    direction: 'in',
    author: { type: 'contact', id: null, name: 'Ivan' },
    text: `text ${id}`,
    attachments: [],
    status: 'received',
    error: null,
    private: false,
    clientMessageId: null,
    editedAt: null,
    template: null,
    createdAt: '2025-03-01T10:00:00.000Z',
    ...patch,
  };
}

/** Put a signed-in user where AuthService reads it on creation. */
export function signIn(user: UserDto = ME, token = 'jwt-token'): void {
  localStorage.setItem('onebox.token', token);
  localStorage.setItem('onebox.user', JSON.stringify(user));
}

/** A valid-looking Telegram bot token (digits, a colon, 35 token characters). */
export const BOT_TOKEN = `123456789:${'AAbb_cc-DD'.repeat(3)}xyz12`;

/** `GET /api/channels/types` as the server declares it (shortened hints). */
export const CHANNEL_TYPES_FIXTURE: ChannelTypeDto[] = [
  {
    type: 'webchat',
    credentialFields: [],
    capabilities: { maxTextLength: 10_000, media: ['image', 'document'], messagingWindowHours: null, templates: false },
  },
  {
    type: 'telegram',
    credentialFields: [
      {
        key: 'botToken',
        label: { en: 'Bot token', ru: 'Токен бота' },
        secret: true,
        required: true,
        pattern: '^\\d+:[A-Za-z0-9_-]{30,}$',
        hint: { en: 'Get it from @BotFather.', ru: 'Получите его у @BotFather.' },
      },
    ],
    capabilities: { maxTextLength: 4096, media: ['image', 'document'], messagingWindowHours: null, templates: false },
  },
  {
    type: 'whatsapp',
    credentialFields: [
      {
        key: 'phoneNumberId',
        label: { en: 'Phone number ID', ru: 'ID номера телефона' },
        secret: false,
        required: true,
        pattern: '^\\d+$',
        hint: { en: 'WhatsApp Manager → API Setup.', ru: 'WhatsApp Manager → API Setup.' },
      },
      { key: 'accessToken', label: { en: 'Access token', ru: 'Токен доступа' }, secret: true, required: true },
      { key: 'appSecret', label: { en: 'App secret', ru: 'Секрет приложения' }, secret: true, required: true },
      { key: 'verifyToken', label: { en: 'Verify token', ru: 'Токен проверки' }, secret: true, required: true },
    ],
    capabilities: { maxTextLength: 4096, media: ['image', 'document'], messagingWindowHours: 24, templates: true },
  },
  {
    type: 'max',
    credentialFields: [
      {
        key: 'token',
        label: { en: 'Bot access token', ru: 'Токен бота' },
        secret: true,
        required: true,
        pattern: '^\\S+$',
      },
    ],
    capabilities: { maxTextLength: 4000, media: ['image', 'document'], messagingWindowHours: null, templates: false },
  },
];

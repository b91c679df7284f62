import type {
  ChannelTypeDto,
  ConversationDetail,
  ConversationListItem,
  CrmConnectionDto,
  CrmPipelineDto,
  DealDto,
  MessageDto,
  UserDto,
} from '@onebox/contracts';
import type { CrmTypeDto } from '../app/features/settings/data-access/crm-api.service';

export const ME: UserDto = { id: 'u-me', email: 'me@onebox.local', name: 'Mia Agent', role: 'manager' };

export function conversation(id: string, patch: Partial<ConversationListItem> = {}): ConversationListItem {
  return {
    id,
    channel: { id: 'ch-1', type: 'telegram', name: 'Sales bot' },
    contact: { id: `ct-${id}`, name: `Contact ${id}` },
    status: 'open',
    assignee: null,
    tags: [],
    lastMessage: { text: `hello from ${id}`, direction: 'in', author: null, createdAt: '2025-03-01T10:00:00.000Z' },
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

/** `GET /api/crm/types` as the server declares it (shortened hints). */
export const CRM_TYPES_FIXTURE: CrmTypeDto[] = [
  {
    type: 'amocrm',
    settingsFields: [
      {
        key: 'baseUrl',
        label: { en: 'Account URL', ru: 'Адрес аккаунта' },
        secret: false,
        required: true,
        pattern: '^https://[a-z0-9-]+\\.amocrm\\.(ru|com)/?$',
        hint: { en: 'e.g. https://shop.amocrm.ru', ru: 'например, https://shop.amocrm.ru' },
      },
      {
        key: 'accessToken',
        label: { en: 'Long-lived token', ru: 'Долгосрочный токен' },
        secret: true,
        // Not required: the OAuth way connects without it (the form requires it in token mode).
        required: false,
        hint: {
          en: 'amoCRM → Settings → Integrations → Create integration → Keys and access',
          ru: 'amoCRM → Настройки → Интеграции → Создать интеграцию → Ключи и доступы',
        },
      },
    ],
    oauthFields: [
      {
        key: 'clientId',
        label: { en: 'Integration ID', ru: 'ID интеграции' },
        secret: false,
        required: true,
        pattern: '^[0-9a-f-]{36}$',
      },
      { key: 'clientSecret', label: { en: 'Secret key', ru: 'Секретный ключ' }, secret: true, required: true },
    ],
  },
  {
    type: 'bitrix24',
    settingsFields: [
      {
        key: 'webhookUrl',
        label: { en: 'Incoming webhook URL', ru: 'URL входящего вебхука' },
        secret: true,
        required: false,
        hint: {
          en: 'Bitrix24 → Developer resources → Other → Incoming webhook, with CRM scope',
          ru: 'Битрикс24 → Разработчикам → Другое → Входящий вебхук, с правами CRM',
        },
      },
      {
        key: 'applicationToken',
        label: { en: 'Application token', ru: 'Токен приложения' },
        secret: true,
        required: false,
      },
    ],
    oauthFields: [
      { key: 'portal', label: { en: 'Bitrix24 address', ru: 'Адрес Битрикс24' }, secret: false, required: true },
      { key: 'clientId', label: { en: 'Application code', ru: 'Код приложения' }, secret: false, required: true },
      { key: 'clientSecret', label: { en: 'Application key', ru: 'Ключ приложения' }, secret: true, required: true },
    ],
  },
];

export function crmConnection(patch: Partial<CrmConnectionDto> = {}): CrmConnectionDto {
  return {
    id: 'crm-1',
    type: 'amocrm',
    name: 'Sales CRM',
    status: 'active',
    statusMessage: null,
    degradedSince: null,
    accountName: 'shop.amocrm.ru',
    webhookUrl: 'https://onebox.example/webhooks/crm/crm-1',
    pipelineId: null,
    stageId: null,
    autoCreateDeal: false,
    channelIds: null,
    userMap: {},
    sync: { pending: 0, failed: 0, lastError: null, lastSyncedAt: null },
    createdAt: '2025-03-01T10:00:00.000Z',
    ...patch,
  };
}

/** Two pipelines; "Sales" is the main one. */
export const PIPELINES_FIXTURE: CrmPipelineDto[] = [
  {
    id: 'p-sales',
    name: 'Sales',
    isMain: true,
    stages: [
      { id: 's-won', name: 'Won', sort: 100, semantic: 'won' },
      { id: 's-new', name: 'New lead', sort: 10, semantic: 'open' },
      { id: 's-talk', name: 'Negotiation', sort: 20, semantic: 'open' },
      { id: 's-lost', name: 'Lost', sort: 110, semantic: 'lost' },
    ],
  },
  {
    id: 'p-partners',
    name: 'Partners',
    isMain: false,
    stages: [
      { id: 'pp-first', name: 'First contact', sort: 10, semantic: 'open' },
      { id: 'pp-contract', name: 'Contract', sort: 20, semantic: 'open' },
    ],
  },
];

export function deal(patch: Partial<DealDto> = {}): DealDto {
  return {
    id: 'deal-1',
    crmId: 'crm-1',
    crmType: 'amocrm',
    externalId: '4711',
    title: 'Deal with Ivan',
    pipelineId: 'p-sales',
    stageId: 's-new',
    stageName: 'New lead',
    semantic: 'open',
    amount: '15000.50',
    currency: 'RUB',
    responsible: { crmUserId: 'cu-1', name: 'Olga Sales' },
    url: 'https://shop.amocrm.ru/leads/detail/4711',
    closedAt: null,
    cycle: 1,
    syncState: 'synced',
    syncError: null,
    history: [
      { stageId: 's-new', stageName: 'New lead', semantic: 'open', amount: '15000.50', at: '2025-03-01T10:00:00.000Z' },
    ],
    createdAt: '2025-03-01T10:00:00.000Z',
    ...patch,
  };
}

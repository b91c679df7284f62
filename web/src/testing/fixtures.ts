import type { ConversationDetail, ConversationListItem, MessageDto, UserDto } from '@onebox/contracts';

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
    createdAt: '2025-03-01T10:00:00.000Z',
    ...patch,
  };
}

/** Put a signed-in user where AuthService reads it on creation. */
export function signIn(user: UserDto = ME, token = 'jwt-token'): void {
  localStorage.setItem('onebox.token', token);
  localStorage.setItem('onebox.user', JSON.stringify(user));
}

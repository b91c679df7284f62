import type { ConversationListItem, MessageDto } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { RealtimeService } from '../realtime/realtime.service';
import { ConversationPublisher } from './conversation-publisher.service';
import { ConversationsRepository, type ConversationListRow } from './conversations.repository';
import type { MessageRow } from './messages.repository';

const CONVERSATION_ID = '0b7c1f0e-3a51-4d7e-9a59-6f3c1b2d4e01';
const CHANNEL_ID = 'c1a2b3c4-0000-4000-8000-000000000001';
const CONTACT_ID = 'c0c0c0c0-0000-4000-8000-000000000001';
const AT = new Date('2024-11-21T10:00:00.000Z');

const listRow = (o: Partial<ConversationListRow> = {}): ConversationListRow =>
  rows.listRow({
    id: CONVERSATION_ID,
    channel_id: CHANNEL_ID,
    contact_id: CONTACT_ID,
    assignee_id: 'u-agent',
    tags: ['vip'],
    cycle: 2,
    unread_count: 3,
    created_at: new Date('2024-11-01T08:00:00.000Z'),
    channel_type: 'telegram',
    channel_name: 'Shop bot',
    assignee_name: 'Mia Manager',
    ...o,
  });

const messageRow = (o: Partial<MessageRow> = {}): MessageRow =>
  rows.messageRow({
    conversation_id: CONVERSATION_ID,
    channel_id: CHANNEL_ID,
    cycle: 2,
    author_id: CONTACT_ID,
    external_id: 'ext-100',
    ...o,
  });

/** What agents receive for `listRow()`. */
const conversationDto: ConversationListItem = {
  id: CONVERSATION_ID,
  channel: { id: CHANNEL_ID, type: 'telegram', name: 'Shop bot' },
  contact: { id: CONTACT_ID, name: 'Carl Customer' },
  status: 'open',
  assignee: { id: 'u-agent', name: 'Mia Manager' },
  tags: ['vip'],
  lastMessage: { text: 'Is the sofa in stock?', direction: 'in', author: null, createdAt: AT.toISOString() },
  unreadCount: 3,
  deal: null,
  createdAt: '2024-11-01T08:00:00.000Z',
  updatedAt: AT.toISOString(),
};

/** What agents receive for `messageRow()`. */
const messageDto: MessageDto = {
  id: 'm-1',
  conversationId: CONVERSATION_ID,
  direction: 'in',
  author: { type: 'contact', id: CONTACT_ID, name: 'Carl Customer' },
  text: 'Is the sofa in stock?',
  attachments: [],
  status: 'received',
  error: null,
  private: false,
  clientMessageId: null,
  editedAt: null,
  template: null,
  createdAt: AT.toISOString(),
};

describe(ConversationPublisher.name, () => {
  let conversations: ReturnType<typeof strictMock<ConversationsRepository>>;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let publisher: ConversationPublisher;

  beforeEach(() => {
    conversations = strictMock(ConversationsRepository);
    realtime = strictMock(RealtimeService);
    publisher = new ConversationPublisher(
      conversations as unknown as ConversationsRepository,
      realtime as unknown as RealtimeService,
    );
  });

  describe('messageAdded', () => {
    it.each(['created', 'updated'] as const)(
      'reads the conversation once and emits conversation.%s, then message.created, to its audience',
      async (kind) => {
        const row = listRow();
        const message = messageRow();
        conversations.findById.mockResolvedValueOnce(row);
        realtime.toConversationAudience.mockReturnValue(undefined);

        await publisher.messageAdded(message, kind);

        expect(conversations.findById).toHaveBeenCalledTimes(1);
        expect(conversations.findById).toHaveBeenCalledWith(CONVERSATION_ID);
        expect(realtime.toConversationAudience.mock.calls).toEqual([
          [row, `conversation.${kind}`, conversationDto],
          [row, 'message.created', messageDto],
        ]);
      },
    );

    it('maps an unassigned conversation without a last message, and a failed message with its error', async () => {
      const row = listRow({ assignee_id: null, assignee_name: null, last_message_direction: null });
      const message = messageRow({
        direction: 'out',
        status: 'failed',
        error_code: 'temporary',
        error_message: null,
        edited_at: AT,
      });
      conversations.findById.mockResolvedValueOnce(row);
      realtime.toConversationAudience.mockReturnValue(undefined);

      await publisher.messageAdded(message, 'updated');

      expect(realtime.toConversationAudience.mock.calls).toEqual([
        [row, 'conversation.updated', { ...conversationDto, assignee: null, lastMessage: null }],
        [
          row,
          'message.created',
          {
            ...messageDto,
            direction: 'out',
            status: 'failed',
            error: { code: 'temporary', message: '' },
            editedAt: AT.toISOString(),
          },
        ],
      ]);
    });

    it.each(['created', 'updated'] as const)(
      'emits conversation.%s and message.created from the given conversation without reading it',
      async (kind) => {
        const current = listRow({ unread_count: 5, last_message_text: 'Hello again' });
        const message = messageRow();
        realtime.toConversationAudience.mockReturnValue(undefined);

        await publisher.messageAdded(message, kind, current);

        expect(conversations.findById).not.toHaveBeenCalled();
        expect(realtime.toConversationAudience.mock.calls).toEqual([
          [
            current,
            `conversation.${kind}`,
            {
              ...conversationDto,
              unreadCount: 5,
              lastMessage: { text: 'Hello again', direction: 'in', author: null, createdAt: AT.toISOString() },
            },
          ],
          [current, 'message.created', messageDto],
        ]);
      },
    );

    it('emits nothing when the conversation is gone', async () => {
      conversations.findById.mockResolvedValueOnce(null);

      await publisher.messageAdded(messageRow(), 'created');

      expect(conversations.findById).toHaveBeenCalledTimes(1);
      expect(realtime.toConversationAudience).not.toHaveBeenCalled();
    });
  });

  describe('conversationChanged', () => {
    it('emits conversation.updated by default, with no previous assignee', async () => {
      const row = listRow();
      conversations.findById.mockResolvedValueOnce(row);
      realtime.toConversationAudience.mockReturnValueOnce(undefined);

      await publisher.conversationChanged(CONVERSATION_ID);

      expect(conversations.findById).toHaveBeenCalledTimes(1);
      expect(conversations.findById).toHaveBeenCalledWith(CONVERSATION_ID);
      expect(realtime.toConversationAudience).toHaveBeenCalledTimes(1);
      expect(realtime.toConversationAudience).toHaveBeenCalledWith(row, 'conversation.updated', conversationDto, [
        null,
      ]);
    });

    it('passes the previous assignee along, so they learn the conversation left their list', async () => {
      const row = listRow({ assignee_id: 'u-new', assignee_name: 'Nina New' });
      conversations.findById.mockResolvedValueOnce(row);
      realtime.toConversationAudience.mockReturnValueOnce(undefined);

      await publisher.conversationChanged(CONVERSATION_ID, 'updated', 'u-previous');

      expect(realtime.toConversationAudience).toHaveBeenCalledTimes(1);
      expect(realtime.toConversationAudience).toHaveBeenCalledWith(
        row,
        'conversation.updated',
        { ...conversationDto, assignee: { id: 'u-new', name: 'Nina New' } },
        ['u-previous'],
      );
    });

    it('emits conversation.created for a new conversation', async () => {
      const row = listRow();
      conversations.findById.mockResolvedValueOnce(row);
      realtime.toConversationAudience.mockReturnValueOnce(undefined);

      await publisher.conversationChanged(CONVERSATION_ID, 'created');

      expect(realtime.toConversationAudience).toHaveBeenCalledWith(row, 'conversation.created', conversationDto, [
        null,
      ]);
    });

    it('emits nothing when the conversation is gone', async () => {
      conversations.findById.mockResolvedValueOnce(null);

      await publisher.conversationChanged(CONVERSATION_ID, 'updated', 'u-previous');

      expect(conversations.findById).toHaveBeenCalledWith(CONVERSATION_ID);
      expect(realtime.toConversationAudience).not.toHaveBeenCalled();
    });
  });

  describe('messageChanged', () => {
    it.each(['created', 'updated'] as const)(
      'reads the conversation once and emits message.%s with the mapped message to its audience',
      async (kind) => {
        const row = listRow();
        const message = messageRow();
        conversations.findById.mockResolvedValueOnce(row);
        realtime.toConversationAudience.mockReturnValueOnce(undefined);

        await publisher.messageChanged(message, kind);

        expect(conversations.findById).toHaveBeenCalledTimes(1);
        expect(conversations.findById).toHaveBeenCalledWith(CONVERSATION_ID);
        expect(realtime.toConversationAudience.mock.calls).toEqual([[row, `message.${kind}`, messageDto]]);
      },
    );

    it('emits nothing when the conversation is gone', async () => {
      conversations.findById.mockResolvedValueOnce(null);

      await publisher.messageChanged(messageRow(), 'updated');

      expect(conversations.findById).toHaveBeenCalledTimes(1);
      expect(realtime.toConversationAudience).not.toHaveBeenCalled();
    });
  });
});

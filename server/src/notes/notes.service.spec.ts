import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import type { Db } from '../database/database';
import { RealtimeService } from '../realtime/realtime.service';
import { MentionsRepository, type MentionRow } from './mentions.repository';
import { NotesService } from './notes.service';

const fakeTx = {} as Db;
const auth: AuthUser = { id: 'u-me', workspaceId: 'ws-1', role: 'manager', name: 'Mia', email: 'mia@x' };
const USERS = [
  { id: 'u-me', name: 'Mia' },
  { id: 'u-anna', name: 'Anna' },
  { id: 'u-boris', name: 'Boris' },
];
const conversation = { id: 'cv-1', channel_id: 'ch-1', cycle: 2 };

function mentionRow(userId: string): MentionRow {
  return {
    id: `mn-${userId}`,
    workspace_id: 'ws-1',
    message_id: 'm-note',
    conversation_id: 'cv-1',
    user_id: userId,
    created_at: rows.ROW_AT,
    read_at: null,
    text: 'note',
    author_id: 'u-me',
    author_name: 'Mia',
    contact_id: 'ct-1',
    contact_name: 'Carl',
  };
}

describe(NotesService.name, () => {
  let mentions: ReturnType<typeof strictMock<MentionsRepository>>;
  let events: ReturnType<typeof strictMock<ConversationEventsRepository>>;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let service: NotesService;

  beforeEach(() => {
    mentions = strictMock(MentionsRepository);
    events = strictMock(ConversationEventsRepository);
    realtime = strictMock(RealtimeService);
    service = new NotesService(
      mentions as unknown as MentionsRepository,
      events as unknown as ConversationEventsRepository,
      realtime as unknown as RealtimeService,
    );
  });

  const note = (text: string) => rows.messageRow({ id: 'm-note', text, private: true, created_at: rows.ROW_AT });

  it('stores @Name and structured mentions (not the author) and records note_added', async () => {
    mentions.listUsers.mockResolvedValueOnce(USERS);
    mentions.insert.mockResolvedValueOnce([mentionRow('u-boris'), mentionRow('u-anna')]);
    events.append.mockResolvedValueOnce(undefined);

    const stored = await service.recordNote(fakeTx, auth, conversation, note('@Anna and @Mia, see'), ['u-boris']);

    expect(stored).toHaveLength(2);
    expect(mentions.insert).toHaveBeenCalledWith(
      fakeTx,
      { workspaceId: 'ws-1', messageId: 'm-note', conversationId: 'cv-1', authorId: 'u-me', at: rows.ROW_AT },
      ['u-boris', 'u-anna'],
    );
    expect(events.append).toHaveBeenCalledWith(fakeTx, [
      expect.objectContaining({
        type: 'note_added',
        cycle: 2,
        actorId: 'u-me',
        payload: { messageId: 'm-note', mentionedUserIds: ['u-boris', 'u-anna'] },
      }),
    ]);
  });

  it('refuses user ids that are not of the workspace, naming the field', async () => {
    mentions.listUsers.mockResolvedValueOnce(USERS);

    const attempt = service.recordNote(fakeTx, auth, conversation, note('x'), ['u-elsewhere']);

    await expect(attempt).rejects.toBeInstanceOf(ApiException);
    await attempt.catch((err: ApiException) =>
      expect(err.details).toEqual([expect.objectContaining({ field: 'mentionedUserIds' })]),
    );
    expect(mentions.insert).not.toHaveBeenCalled();
  });

  it('notifies each mentioned user in their room', () => {
    realtime.toUser.mockReturnValue(undefined);

    service.notify([mentionRow('u-anna')]);

    expect(realtime.toUser).toHaveBeenCalledWith(
      'u-anna',
      'mention.created',
      expect.objectContaining({ id: 'mn-u-anna', conversationId: 'cv-1', messageId: 'm-note' }),
    );
  });
});

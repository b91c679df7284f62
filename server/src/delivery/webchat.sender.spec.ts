import { strictMock } from '../../test/strict-mock';
import type { ChannelRow } from '../channels/channels.repository';
import type { MessageRow } from '../conversations/messages.repository';
import { RealtimeService } from '../realtime/realtime.service';
import { WebchatSender } from './webchat.sender';

const AT = new Date('2024-11-21T10:00:00.000Z');

describe(WebchatSender.name, () => {
  const channel = { id: 'ch-web', type: 'webchat' } as ChannelRow;
  const message = {
    id: 'm-1',
    direction: 'out',
    author_name: 'Mia',
    text: 'Hello',
    attachments: [],
    client_message_id: 'agent-client-1',
    created_at: AT,
  } as unknown as MessageRow;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let sender: WebchatSender;

  beforeEach(() => {
    realtime = strictMock(RealtimeService);
    sender = new WebchatSender(realtime as unknown as RealtimeService);
  });

  it('serves webchat channels only', () => {
    expect(sender.types).toEqual(['webchat']);
  });

  it('pushes the message to the visitor’s open tabs and answers a webchat id', async () => {
    realtime.toVisitor.mockReturnValueOnce(undefined);

    const result = await sender.send({ channel, recipient: { externalId: 'visitor-42', meta: {} }, message });

    expect(result).toEqual({ externalId: 'webchat:m-1' });
    expect(realtime.toVisitor).toHaveBeenCalledWith('ch-web', 'visitor-42', 'message.created', {
      id: 'm-1',
      clientMessageId: null,
      direction: 'out',
      authorName: 'Mia',
      text: 'Hello',
      attachments: [],
      createdAt: AT.toISOString(),
    });
  });
});

import type { InboundMessageEvent } from '@onebox/channels';
import { strictMock } from '../../test/strict-mock';
import { conversationRow, outboundMessageRow, telegramChannelRow } from '../../test/rows';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { ConversationsRepository } from '../conversations/conversations.repository';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { RealtimeService } from '../realtime/realtime.service';
import { AutomatedMessages } from '../workflow/automated-messages';
import { SurveysRepository, type AnswerableSurvey, type LockedConversation } from './surveys.repository';
import { surveyButtons, SurveysService } from './surveys.service';

const TX = {} as Db;
const AT = new Date('2025-03-01T10:00:00.000Z');
const SURVEY_ID = '0b3c2a4e-1111-4000-8000-000000000001';

function locked(over: Partial<LockedConversation> = {}): LockedConversation {
  return {
    ...conversationRow({ status: 'resolved', cycle: 2, channel_id: 'ch-1' }),
    channel_type: 'telegram',
    locale: 'ru',
    survey: { enabled: true, kind: 'csat' },
    ...over,
  };
}

function answerable(over: Partial<AnswerableSurvey> = {}): AnswerableSurvey {
  return {
    id: SURVEY_ID,
    workspace_id: 'ws-1',
    conversation_id: 'cv-1',
    cycle: 2,
    channel_id: 'ch-1',
    manager_id: 'u-1',
    kind: 'csat',
    message_id: 'm-1',
    sent_at: AT,
    skipped_reason: null,
    created_at: AT,
    contact_external_id: '1001',
    channel_type: 'telegram',
    ...over,
  };
}

function press(data: string, from = '1001'): InboundMessageEvent {
  return {
    kind: 'message',
    externalUserId: from,
    externalMessageId: 'cb:1',
    contactName: 'Carl',
    text: data,
    callbackData: data,
    media: [],
    sentAt: AT,
  };
}

describe(SurveysService.name, () => {
  let surveys: ReturnType<typeof strictMock<SurveysRepository>>;
  let conversations: ReturnType<typeof strictMock<ConversationsRepository>>;
  let contacts: ReturnType<typeof strictMock<ContactsRepository>>;
  let events: ReturnType<typeof strictMock<ConversationEventsRepository>>;
  let automated: ReturnType<typeof strictMock<AutomatedMessages>>;
  let messengers: ReturnType<typeof strictMock<MessengerRegistry>>;
  let publisher: ReturnType<typeof strictMock<ConversationPublisher>>;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let worker: ReturnType<typeof strictMock<JobWorkerService>>;
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let service: SurveysService;

  beforeEach(() => {
    surveys = strictMock(SurveysRepository);
    conversations = strictMock(ConversationsRepository);
    contacts = strictMock(ContactsRepository);
    events = strictMock(ConversationEventsRepository);
    automated = strictMock(AutomatedMessages);
    messengers = strictMock(MessengerRegistry);
    publisher = strictMock(ConversationPublisher);
    realtime = strictMock(RealtimeService);
    worker = strictMock(JobWorkerService);
    tx = strictMock(TransactionService);
    tx.run.mockImplementation(((work: (db: Db) => Promise<unknown>) => work(TX)) as never);
    service = new SurveysService(
      surveys as unknown as SurveysRepository,
      conversations as unknown as ConversationsRepository,
      contacts as unknown as ContactsRepository,
      events as unknown as ConversationEventsRepository,
      automated as unknown as AutomatedMessages,
      messengers as unknown as MessengerRegistry,
      publisher as unknown as ConversationPublisher,
      realtime as unknown as RealtimeService,
      worker as unknown as JobWorkerService,
      tx as unknown as TransactionService,
    );
  });

  describe('sendForCycle', () => {
    it('does nothing while surveys are off, or once the customer started a new cycle', async () => {
      surveys.lockConversation.mockResolvedValueOnce(locked({ survey: { enabled: false, kind: 'csat' } }));
      await service.sendForCycle('cv-1', 2, AT);
      surveys.lockConversation.mockResolvedValueOnce(locked({ cycle: 3, status: 'open' }));
      await service.sendForCycle('cv-1', 2, AT);
      // No survey row, no message: every other collaborator is a strict mock.
    });

    it('sends nothing when the cycle already has its survey (the job ran before)', async () => {
      surveys.lockConversation.mockResolvedValueOnce(locked());
      surveys.findForCycle.mockResolvedValueOnce(answerable());
      await service.sendForCycle('cv-1', 2, AT);
      expect(surveys.findForCycle).toHaveBeenCalledWith(TX, 'ws-1', 'cv-1', 2);
    });

    it('writes the prompt with one button per score and the survey_sent event, on the resolved cycle and its manager', async () => {
      const conversation = locked();
      surveys.lockConversation.mockResolvedValueOnce(conversation);
      surveys.findForCycle.mockResolvedValueOnce(null);
      surveys.cycleManager.mockResolvedValueOnce('u-7');
      messengers.messagingWindow.mockReturnValueOnce(null);
      const message = outboundMessageRow({ id: 'm-9', author_type: 'system' });
      automated.send.mockResolvedValueOnce(message);
      surveys.insert.mockImplementationOnce(async (_tx, row) => ({ ...row, created_at: AT }));
      worker.nudge.mockReturnValueOnce(undefined);
      publisher.messageAdded.mockResolvedValueOnce(undefined);

      await service.sendForCycle('cv-1', 2, AT);

      const [, , content] = automated.send.mock.calls[0];
      const surveyId = surveys.insert.mock.calls[0][1].id;
      expect(automated.send).toHaveBeenCalledWith(TX, conversation, {
        authorType: 'system',
        authorName: 'Опрос',
        text: 'Оцените, пожалуйста, нашу помощь: от 1 (плохо) до 5 (отлично).',
        at: AT,
        buttons: surveyButtons(surveyId, 'csat'),
        event: { type: 'survey_sent', payload: { surveyId, kind: 'csat' } },
      });
      expect(content.buttons?.map((b) => b.id)).toEqual([1, 2, 3, 4, 5].map((n) => `survey:${surveyId}:${n}`));
      expect(surveys.insert).toHaveBeenCalledWith(TX, {
        id: surveyId,
        workspace_id: 'ws-1',
        conversation_id: conversation.id,
        cycle: 2,
        channel_id: 'ch-1',
        manager_id: 'u-7',
        kind: 'csat',
        message_id: 'm-9',
        sent_at: AT,
        skipped_reason: null,
      });
      expect(publisher.messageAdded).toHaveBeenCalledWith(message, 'updated');
    });

    it('records a skipped survey and sends nothing outside WhatsApp’s window', async () => {
      surveys.lockConversation.mockResolvedValueOnce(locked({ channel_type: 'whatsapp' }));
      surveys.findForCycle.mockResolvedValueOnce(null);
      surveys.cycleManager.mockResolvedValueOnce(null);
      messengers.messagingWindow.mockReturnValueOnce({ hours: 24, closesAt: null, open: false });
      surveys.insert.mockResolvedValueOnce(null);

      await service.sendForCycle('cv-1', 2, AT);

      expect(surveys.insert).toHaveBeenCalledWith(
        TX,
        expect.objectContaining({ sent_at: null, message_id: null, skipped_reason: 'window_closed' }),
      );
    });
  });

  describe('answerFromButton', () => {
    const channel = telegramChannelRow({ id: 'ch-1', workspace_id: 'ws-1' });

    it('records the first answer with its survey_answered event on the survey’s cycle', async () => {
      surveys.lockAnswerable.mockResolvedValueOnce(answerable());
      surveys.insertResponse.mockResolvedValueOnce({} as never);
      events.append.mockResolvedValueOnce(undefined);
      conversations.findById.mockResolvedValueOnce(null);
      surveys.findListRow.mockResolvedValueOnce(null);

      await service.answerFromButton(channel, press(`survey:${SURVEY_ID}:5`));

      expect(surveys.insertResponse).toHaveBeenCalledWith(TX, answerable(), { score: 5, comment: null, at: AT });
      expect(events.append).toHaveBeenCalledWith(TX, [
        expect.objectContaining({
          cycle: 2,
          type: 'survey_answered',
          actorType: 'contact',
          payload: { surveyId: SURVEY_ID, kind: 'csat', score: 5, managerId: 'u-1' },
        }),
      ]);
    });

    it('changes nothing on a second answer', async () => {
      surveys.lockAnswerable.mockResolvedValueOnce(answerable());
      surveys.insertResponse.mockResolvedValueOnce(null);
      await service.answerFromButton(channel, press(`survey:${SURVEY_ID}:1`));
    });

    it('drops presses by someone else, out-of-range scores and malformed data', async () => {
      surveys.lockAnswerable.mockResolvedValue(answerable());
      await service.answerFromButton(channel, press(`survey:${SURVEY_ID}:5`, '9999'));
      await service.answerFromButton(channel, press(`survey:${SURVEY_ID}:6`));
      await service.answerFromButton(channel, press(`survey:${SURVEY_ID}:0`));
      await service.answerFromButton(channel, press('survey:nonsense'));
      expect(surveys.lockAnswerable).toHaveBeenCalledTimes(3);
    });
  });
});

import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import type { JobRow } from '../jobs/jobs.repository';
import { AutomatedMessages } from '../workflow/automated-messages';
import { JobsRepository } from '../jobs/jobs.repository';
import { BotProcessor } from './bot.processor';
import { BotRepository, type BotConversationRow } from './bot.repository';

const fakeTx = {} as Db;
const BOT = {
  enabled: true,
  greeting: 'Здравствуйте! Я бот.',
  rules: [{ id: 'delivery', phrases: ['доставка'], answer: 'Доставка 1–3 дня.' }],
  fallbackText: 'Не понял.',
  handoffText: 'Зову менеджера.',
};

function conversation(overrides: Partial<BotConversationRow> = {}): BotConversationRow {
  return {
    id: 'cv-1',
    workspace_id: 'ws-1',
    channel_id: 'ch-1',
    cycle: 2,
    status: 'open',
    first_human_reply_at: null,
    bot_state: null,
    bot_cycle: null,
    channel_type: 'webchat',
    channel_name: 'Shop',
    bot: BOT,
    ...overrides,
  };
}

const job: JobRow = {
  id: 'j-1',
  workspace_id: 'ws-1',
  queue: 'bot',
  payload: { conversationId: 'cv-1', messageId: 'm-in' },
  attempts: 1,
  max_attempts: 5,
};

describe(BotProcessor.name, () => {
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let bot: ReturnType<typeof strictMock<BotRepository>>;
  let automated: ReturnType<typeof strictMock<AutomatedMessages>>;
  let publisher: ReturnType<typeof strictMock<ConversationPublisher>>;
  let jobs: ReturnType<typeof strictMock<JobsRepository>>;
  let processor: BotProcessor;

  beforeEach(() => {
    tx = strictMock(TransactionService);
    bot = strictMock(BotRepository);
    automated = strictMock(AutomatedMessages);
    publisher = strictMock(ConversationPublisher);
    jobs = strictMock(JobsRepository);
    tx.run.mockImplementation((work) => work(fakeTx));
    processor = new BotProcessor(
      tx as unknown as TransactionService,
      bot as unknown as BotRepository,
      automated as unknown as AutomatedMessages,
      publisher as unknown as ConversationPublisher,
      jobs as unknown as JobsRepository,
    );
  });

  function customerSays(text: string, conv = conversation()): void {
    bot.lockConversation.mockResolvedValueOnce(conv);
    bot.findMessage.mockResolvedValueOnce({
      id: 'm-in',
      conversation_id: 'cv-1',
      cycle: conv.cycle,
      direction: 'in',
      text,
    });
  }

  it('greets once per cycle, answers a matching rule with bot_reply and publishes after commit', async () => {
    customerSays('Сколько идёт доставка?');
    bot.hasActedOn.mockResolvedValueOnce(false);
    const greeting = rows.messageRow({ id: 'm-greet', author_type: 'bot' });
    const answer = rows.messageRow({ id: 'm-answer', author_type: 'bot' });
    automated.send.mockResolvedValueOnce(greeting).mockResolvedValueOnce(answer);
    bot.setState.mockResolvedValueOnce(undefined);
    publisher.messageAdded.mockResolvedValue(undefined);

    await processor.process(job);

    expect(bot.lockConversation).toHaveBeenCalledWith(fakeTx, 'ws-1', 'cv-1');
    expect(automated.send).toHaveBeenNthCalledWith(1, fakeTx, conversation(), {
      authorType: 'bot',
      authorName: 'Shop',
      text: 'Здравствуйте! Я бот.',
    });
    expect(automated.send).toHaveBeenNthCalledWith(2, fakeTx, conversation(), {
      authorType: 'bot',
      authorName: 'Shop',
      text: 'Доставка 1–3 дня.',
      event: { type: 'bot_reply', payload: { ruleId: 'delivery', matched: true, inReplyTo: 'm-in' } },
    });
    expect(bot.setState).toHaveBeenCalledWith(fakeTx, 'cv-1', 'active', 2);
    expect(publisher.messageAdded.mock.calls).toEqual([
      [greeting, 'updated'],
      [answer, 'updated'],
    ]);
  });

  it('answers the fallback (matched:false) without greeting again later in the cycle', async () => {
    customerSays('Какая погода?', conversation({ bot_state: 'active', bot_cycle: 2 }));
    bot.hasActedOn.mockResolvedValueOnce(false);
    automated.send.mockResolvedValueOnce(rows.messageRow({ id: 'm-fb' }));
    bot.setState.mockResolvedValueOnce(undefined);
    publisher.messageAdded.mockResolvedValue(undefined);

    await processor.process(job);

    expect(automated.send).toHaveBeenCalledTimes(1);
    expect(automated.send).toHaveBeenCalledWith(fakeTx, expect.anything(), {
      authorType: 'bot',
      authorName: 'Shop',
      text: 'Не понял.',
      event: { type: 'bot_reply', payload: { ruleId: null, matched: false, inReplyTo: 'm-in' } },
    });
  });

  it('hands over on request: the hand-off text, bot_handoff and the handed_over state', async () => {
    customerSays('Позовите оператора');
    bot.hasActedOn.mockResolvedValueOnce(false);
    automated.send.mockResolvedValueOnce(rows.messageRow({ id: 'm-h' }));
    bot.setState.mockResolvedValueOnce(undefined);
    jobs.enqueue.mockResolvedValue(undefined);
    publisher.messageAdded.mockResolvedValue(undefined);

    await processor.process(job);

    // People take over: routing and the missed-chat clock start from the hand-off.
    expect(jobs.enqueue.mock.calls.map(([, next]) => [next.queue, next.payload['action']])).toEqual([
      ['routing', 'route'],
      ['timers', 'missed-check'],
    ]);
    expect(automated.send).toHaveBeenCalledWith(fakeTx, expect.anything(), {
      authorType: 'bot',
      authorName: 'Shop',
      text: 'Зову менеджера.',
      event: { type: 'bot_handoff', payload: { reason: 'request', inReplyTo: 'm-in' } },
    });
    expect(bot.setState).toHaveBeenCalledWith(fakeTx, 'cv-1', 'handed_over', 2);
  });

  it.each([
    ['a human replied', conversation({ first_human_reply_at: new Date() })],
    ['the bot handed over in this cycle', conversation({ bot_state: 'handed_over', bot_cycle: 2 })],
    ['the bot was switched off', conversation({ bot: { ...BOT, enabled: false } })],
    ['the conversation was resolved', conversation({ status: 'resolved' })],
  ])('stays silent when %s', async (_, conv) => {
    customerSays('доставка?', conv);

    await processor.process(job);

    expect(automated.send).not.toHaveBeenCalled();
    expect(bot.setState).not.toHaveBeenCalled();
  });

  it('does nothing when the job runs again for a message it already answered', async () => {
    customerSays('доставка?');
    bot.hasActedOn.mockResolvedValueOnce(true);

    await processor.process(job);

    expect(bot.hasActedOn).toHaveBeenCalledWith(fakeTx, 'ws-1', 'cv-1', 'm-in');
    expect(automated.send).not.toHaveBeenCalled();
  });

  it('ignores a message of an earlier cycle', async () => {
    bot.lockConversation.mockResolvedValueOnce(conversation({ cycle: 3 }));
    bot.findMessage.mockResolvedValueOnce({
      id: 'm-in',
      conversation_id: 'cv-1',
      cycle: 2,
      direction: 'in',
      text: 'доставка',
    });

    await processor.process(job);

    expect(automated.send).not.toHaveBeenCalled();
  });
});

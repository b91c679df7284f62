import { strictMock } from '../../test/strict-mock';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import type { Db } from '../database/database';
import { JobWorkerService } from '../jobs/job-worker.service';
import { BotRepository } from './bot.repository';
import { BotService, isBotOnlyCycle } from './bot.service';

const fakeTx = {} as Db;
const AT = new Date('2024-11-21T10:00:00.000Z');
const admin: AuthUser = { id: 'u-1', workspaceId: 'ws-1', role: 'admin', name: 'Ada', email: 'ada@x' };
const conversation = { id: 'cv-1', workspace_id: 'ws-1', channel_id: 'ch-1', cycle: 3, first_human_reply_at: null };

describe(BotService.name, () => {
  let bot: ReturnType<typeof strictMock<BotRepository>>;
  let events: ReturnType<typeof strictMock<ConversationEventsRepository>>;
  let worker: ReturnType<typeof strictMock<JobWorkerService>>;
  let service: BotService;

  beforeEach(() => {
    bot = strictMock(BotRepository);
    events = strictMock(ConversationEventsRepository);
    worker = strictMock(JobWorkerService);
    service = new BotService(
      bot as unknown as BotRepository,
      events as unknown as ConversationEventsRepository,
      worker as unknown as JobWorkerService,
    );
  });

  it('hands over once when a person replies in a cycle the bot was answering', async () => {
    bot.setState.mockResolvedValueOnce(undefined);
    events.append.mockResolvedValueOnce(undefined);

    await service.onHumanReply(fakeTx, { ...conversation, bot_state: 'active', bot_cycle: 3 }, AT);

    expect(bot.setState).toHaveBeenCalledWith(fakeTx, 'cv-1', 'handed_over', 3);
    expect(events.append).toHaveBeenCalledWith(fakeTx, [
      {
        workspaceId: 'ws-1',
        conversationId: 'cv-1',
        channelId: 'ch-1',
        cycle: 3,
        type: 'bot_handoff',
        actorType: 'bot',
        actorId: null,
        at: AT,
        payload: { reason: 'human_reply' },
      },
    ]);
  });

  it.each([
    ['the bot never answered', { bot_state: null, bot_cycle: null }],
    ['the bot answered an earlier cycle', { bot_state: 'active' as const, bot_cycle: 2 }],
    ['the bot already handed over', { bot_state: 'handed_over' as const, bot_cycle: 3 }],
  ])('writes nothing when %s', async (_, state) => {
    await service.onHumanReply(fakeTx, { ...conversation, ...state }, AT);

    expect(bot.setState).not.toHaveBeenCalled();
    expect(events.append).not.toHaveBeenCalled();
  });

  it('tells a bot-only cycle from one a person answered', () => {
    expect(isBotOnlyCycle({ ...conversation, bot_state: 'active', bot_cycle: 3 })).toBe(true);
    expect(isBotOnlyCycle({ ...conversation, bot_state: 'handed_over', bot_cycle: 3 })).toBe(true);
    expect(isBotOnlyCycle({ ...conversation, bot_cycle: 3, first_human_reply_at: AT })).toBe(false);
    expect(isBotOnlyCycle({ ...conversation, bot_cycle: 2 })).toBe(false);
  });

  it('answers 404 for another workspace’s channel and saves only valid settings', async () => {
    bot.findChannelBot.mockResolvedValueOnce(undefined);
    await expect(service.getSettings(admin, 'ch-x')).rejects.toBeInstanceOf(ApiException);
    expect(bot.findChannelBot).toHaveBeenCalledWith('ws-1', 'ch-x');

    await expect(service.saveSettings(admin, 'ch-1', { enabled: 'no' })).rejects.toBeInstanceOf(ApiException);
    expect(bot.saveChannelBot).not.toHaveBeenCalled();

    bot.saveChannelBot.mockResolvedValueOnce(true);
    const saved = await service.saveSettings(admin, 'ch-1', { enabled: true });
    expect(bot.saveChannelBot).toHaveBeenCalledWith('ws-1', 'ch-1', saved);
  });
});

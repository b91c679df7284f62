import { Injectable, Logger } from '@nestjs/common';
import type { InboundMessageEvent } from '@onebox/channels';
import {
  SURVEY_CALLBACK_PREFIX,
  SURVEY_SCALES,
  surveyScores,
  type ConversationSurveyDto,
  type SurveyKind,
  type SurveyRequest,
  type SurveySettings,
} from '@onebox/contracts';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user';
import type { ChannelRow } from '../channels/channels.repository';
import { ApiException } from '../common/api.exception';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { ConversationPublisher } from '../conversations/conversation-publisher.service';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { visibilityOf } from '../conversations/conversations.service';
import { TransactionService } from '../database/transaction.service';
import { JobWorkerService } from '../jobs/job-worker.service';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { RealtimeService } from '../realtime/realtime.service';
import { AutomatedMessages } from '../workflow/automated-messages';
import {
  mapConversationSurvey,
  mapSurveyRequest,
  questionOf,
  readSurveySettings,
  type SurveyLocale,
} from './surveys.dto';
import { SurveysRepository, type SurveyRow } from './surveys.repository';

/** A refused answer: `code` is what the widget shows (`validation_failed`, `not_found`). */
export class SurveyError extends Error {
  constructor(
    readonly code: 'validation_failed' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

const SURVEY_CALLBACK = /^survey:([0-9a-f-]{36}):(-?\d{1,3})$/i;
const MAX_COMMENT = 1000;

/**
 * Post-resolution surveys: settings, sending one survey per resolved cycle (buttons on
 * messengers, `survey.request` in the widget) and recording the answer against the survey's
 * cycle and manager. An answer never reopens the conversation nor counts as a customer message.
 * The first answer wins; a later one changes nothing but may add the comment once.
 */
@Injectable()
export class SurveysService {
  private readonly logger = new Logger('Surveys');

  constructor(
    private readonly surveys: SurveysRepository,
    private readonly conversations: ConversationsRepository,
    private readonly contacts: ContactsRepository,
    private readonly events: ConversationEventsRepository,
    private readonly automated: AutomatedMessages,
    private readonly messengers: MessengerRegistry,
    private readonly publisher: ConversationPublisher,
    private readonly realtime: RealtimeService,
    private readonly worker: JobWorkerService,
    private readonly tx: TransactionService,
  ) {}

  async getSettings(auth: AuthUser): Promise<SurveySettings> {
    return readSurveySettings((await this.surveys.settings(auth.workspaceId))?.survey);
  }

  async saveSettings(auth: AuthUser, body: SurveySettings): Promise<SurveySettings> {
    const settings = readSurveySettings({ ...body, question: body.question?.trim() || undefined });
    await this.surveys.saveSettings(auth.workspaceId, settings);
    return settings;
  }

  /**
   * The `surveys` job of a resolved cycle: one survey per cycle, whatever runs the job again.
   * Skipped when surveys are off or a new cycle has already started (the customer wrote again).
   */
  async sendForCycle(conversationId: string, cycle: number, now = new Date()): Promise<void> {
    const outcome = await this.tx.run(async (tx) => {
      const conversation = await this.surveys.lockConversation(tx, conversationId);
      if (!conversation || conversation.cycle !== cycle || conversation.status !== 'resolved') return null;
      const settings = readSurveySettings(conversation.survey);
      if (!settings.enabled) return null;
      if (await this.surveys.findForCycle(tx, conversation.workspace_id, conversation.id, cycle)) return null;
      const locale: SurveyLocale = conversation.locale === 'en' ? 'en' : 'ru';
      const base = {
        id: randomUUID(),
        workspace_id: conversation.workspace_id,
        conversation_id: conversation.id,
        cycle,
        channel_id: conversation.channel_id,
        manager_id: await this.surveys.cycleManager(tx, conversation, cycle),
        kind: settings.kind,
      };
      const window = this.messengers.messagingWindow(
        conversation.channel_type,
        conversation.last_customer_message_at,
        now,
      );
      if (window && !window.open) {
        await this.surveys.insert(tx, { ...base, message_id: null, sent_at: null, skipped_reason: 'window_closed' });
        return null;
      }
      const question = questionOf(settings, locale);
      const webchat = conversation.channel_type === 'webchat';
      const message = await this.automated.send(tx, conversation, {
        authorType: 'system',
        authorName: locale === 'en' ? 'Survey' : 'Опрос',
        text: question,
        at: now,
        buttons: webchat ? undefined : surveyButtons(base.id, settings.kind),
        event: { type: 'survey_sent', payload: { surveyId: base.id, kind: settings.kind } },
      });
      const survey = await this.surveys.insert(tx, {
        ...base,
        message_id: message.id,
        sent_at: now,
        skipped_reason: null,
      });
      return survey && { survey, message, settings, locale, conversation };
    });
    if (!outcome) return;
    this.worker.nudge();
    await this.publisher.messageAdded(outcome.message, 'updated');
    if (outcome.conversation.channel_type === 'webchat') {
      const visitorId = await this.contacts.findExternalId(outcome.survey.channel_id, outcome.conversation.contact_id);
      const request = mapSurveyRequest(outcome.survey, outcome.settings, outcome.locale);
      if (visitorId) this.realtime.toVisitor(outcome.survey.channel_id, visitorId, 'survey.request', request);
    }
  }

  /**
   * A press of a `survey:<id>:<score>` button on a messenger. Presses of someone else's or an
   * unknown survey, or out-of-range scores, are dropped (logged): never stored as messages.
   */
  async answerFromButton(channel: ChannelRow, event: InboundMessageEvent): Promise<void> {
    const match = SURVEY_CALLBACK.exec(event.callbackData ?? '');
    try {
      if (!match)
        throw new SurveyError('validation_failed', `callback data ${event.callbackData} is not a survey answer`);
      await this.answer(channel, event.externalUserId, { surveyId: match[1], score: Number(match[2]) }, event.sentAt);
    } catch (err) {
      if (!(err instanceof SurveyError)) throw err;
      this.logger.warn(`survey button ignored: ${err.message}`);
    }
  }

  /** The widget's `survey.answer {surveyId, score, comment?}` from the visitor `visitorId`. */
  async answerFromWidget(channel: ChannelRow, visitorId: string, payload: unknown): Promise<void> {
    await this.answer(channel, visitorId, parseAnswer(payload), new Date());
  }

  /** The surveys of a conversation the caller may see, oldest cycle first. */
  async listForConversation(auth: AuthUser, conversationId: string): Promise<ConversationSurveyDto[]> {
    const conversation = await this.conversations.findVisible(visibilityOf(auth), conversationId);
    if (!conversation) throw ApiException.notFound('Conversation');
    return (await this.surveys.listForConversation(auth.workspaceId, conversationId)).map(mapConversationSurvey);
  }

  /** The unanswered survey of the conversation's current cycle, for the widget's session. */
  async pendingRequest(workspaceId: string, conversationId: string): Promise<SurveyRequest | null> {
    const survey = await this.surveys.pendingForConversation(workspaceId, conversationId);
    if (!survey) return null;
    const stored = await this.surveys.settings(workspaceId);
    return mapSurveyRequest(survey, readSurveySettings(stored?.survey), stored?.locale === 'en' ? 'en' : 'ru');
  }

  private async answer(
    channel: ChannelRow,
    externalUserId: string,
    answer: { surveyId: string; score: number; comment?: string },
    at: Date,
  ): Promise<void> {
    const result = await this.tx.run(async (tx) => {
      const survey = await this.surveys.lockAnswerable(tx, channel.workspace_id, answer.surveyId);
      // Only the conversation's own customer, on the channel the survey went to, may answer it.
      if (!survey || survey.channel_id !== channel.id || survey.contact_external_id !== externalUserId)
        throw new SurveyError('not_found', 'surveyId: unknown survey');
      const { min, max } = SURVEY_SCALES[survey.kind];
      if (!Number.isInteger(answer.score) || answer.score < min || answer.score > max)
        throw new SurveyError('validation_failed', `score: must be a whole number from ${min} to ${max}`);
      const comment = answer.comment?.trim() || null;
      const response = await this.surveys.insertResponse(tx, survey, { score: answer.score, comment, at });
      if (!response) {
        const added = comment !== null && (await this.surveys.addComment(tx, survey.workspace_id, survey.id, comment));
        return added ? survey : null;
      }
      await this.events.append(tx, [
        {
          workspaceId: survey.workspace_id,
          conversationId: survey.conversation_id,
          channelId: survey.channel_id,
          cycle: survey.cycle,
          type: 'survey_answered',
          actorType: 'contact',
          actorId: null,
          at,
          payload: { surveyId: survey.id, kind: survey.kind, score: answer.score, managerId: survey.manager_id },
        },
      ]);
      return survey;
    });
    if (result) await this.publishAnswered(result);
  }

  private async publishAnswered(survey: SurveyRow): Promise<void> {
    const [conversation, row] = await Promise.all([
      this.conversations.findById(survey.conversation_id),
      this.surveys.findListRow(survey.workspace_id, survey.id),
    ]);
    if (!conversation || !row) return;
    const event = { conversationId: conversation.id, survey: mapConversationSurvey(row) };
    this.realtime.toConversationAudience(conversation, 'survey.answered', event);
  }
}

/** One button per score; the callback data names the survey and the score (Telegram: ≤ 64 bytes). */
export function surveyButtons(surveyId: string, kind: SurveyKind): { id: string; text: string }[] {
  return surveyScores(kind).map((score) => ({
    id: `${SURVEY_CALLBACK_PREFIX}${surveyId}:${score}`,
    text: String(score),
  }));
}

function parseAnswer(payload: unknown): { surveyId: string; score: number; comment?: string } {
  const body = (payload ?? {}) as Record<string, unknown>;
  if (typeof body['surveyId'] !== 'string' || !/^[0-9a-f-]{36}$/i.test(body['surveyId']))
    throw new SurveyError('validation_failed', 'surveyId: must be a survey id');
  if (typeof body['score'] !== 'number') throw new SurveyError('validation_failed', 'score: must be a number');
  const comment = body['comment'];
  if (comment !== undefined && comment !== null && (typeof comment !== 'string' || comment.length > MAX_COMMENT))
    throw new SurveyError('validation_failed', `comment: must be text up to ${MAX_COMMENT} characters`);
  return {
    surveyId: body['surveyId'],
    score: body['score'],
    comment: typeof comment === 'string' ? comment : undefined,
  };
}

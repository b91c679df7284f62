import { Injectable, Logger } from '@nestjs/common';
import type { AttachmentDto, WebchatSession } from '@onebox/contracts';
import { randomUUID } from 'node:crypto';
import { AttachmentsRepository } from '../attachments/attachments.repository';
import { TokenService } from '../auth/token.service';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { ApiException } from '../common/api.exception';
import { ContactsRepository } from '../contacts/contacts.repository';
import { mapWebchatMessage, MAX_TEXT_LENGTH } from '../conversations/conversations.dto';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { MessagesRepository } from '../conversations/messages.repository';
import { TransactionService } from '../database/transaction.service';
import { IngestService } from '../ingest/ingest.service';
import { ProactiveError, ProactiveService } from '../proactive/proactive.service';
import { RealtimeService } from '../realtime/realtime.service';
import { SurveyError, SurveysService } from '../surveys/surveys.service';
import { WidgetSessionLimiter } from './widget-session-limiter';

export interface Visitor {
  channel: ChannelRow;
  visitorId: string;
  visitorToken: string;
}

export class WebchatError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** `rate_limited`: seconds until the widget may try again. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const HISTORY_LIMIT = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()-]{6,20}$/;

/** The website chat from the visitor's side: sessions, history, messages in, profile, typing. */
@Injectable()
export class WebchatService {
  private readonly logger = new Logger('Webchat');

  constructor(
    private readonly channels: ChannelsRepository,
    private readonly contacts: ContactsRepository,
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly attachments: AttachmentsRepository,
    private readonly tokens: TokenService,
    private readonly ingest: IngestService,
    private readonly realtime: RealtimeService,
    private readonly tx: TransactionService,
    private readonly surveys: SurveysService,
    private readonly proactive: ProactiveService,
    private readonly limiter: WidgetSessionLimiter,
  ) {}

  /**
   * Resolves the widget key and the visitor; a missing or foreign token starts a new visitor, as
   * many per client IP and per widget as the limiter allows.
   */
  async identify(widgetKey: unknown, visitorToken: unknown, ip: string): Promise<Visitor> {
    const channel = typeof widgetKey === 'string' && widgetKey ? await this.channels.findByWidgetKey(widgetKey) : null;
    const known =
      channel && typeof visitorToken === 'string' && visitorToken
        ? await this.tokens.verifyVisitor(visitorToken, channel.id)
        : null;
    if (channel && known) return { channel, visitorId: known, visitorToken: visitorToken as string };
    const wait = await this.limiter.checkAndCount(ip, channel ? (widgetKey as string) : null);
    if (wait > 0) throw new WebchatError('rate_limited', `Too many new chats from here. Try again in ${wait} s.`, wait);
    if (!channel) throw new WebchatError('unknown_widget', 'This chat is not available');
    const visitorId = randomUUID();
    return { channel, visitorId, visitorToken: await this.tokens.signVisitor(visitorId, channel.id) };
  }

  async session(visitor: Visitor): Promise<WebchatSession> {
    const { channel } = visitor;
    const contact = await this.contacts.findByIdentity(channel.id, visitor.visitorId);
    const conversationId = contact ? await this.conversationIdOf(visitor) : null;
    const history = conversationId
      ? (
          await this.messages.listThread(channel.workspace_id, conversationId, {
            limit: HISTORY_LIMIT,
            includePrivate: false,
          })
        ).reverse()
      : [];
    return {
      visitorToken: visitor.visitorToken,
      channelName: channel.name,
      online: await this.realtime.isWorkspaceOnline(channel.workspace_id),
      replyTimeText: typeof channel.settings['replyTimeText'] === 'string' ? channel.settings['replyTimeText'] : null,
      profileComplete: Boolean(contact && (contact.email || contact.phone)),
      history: history.map(mapWebchatMessage),
      survey: conversationId ? await this.surveys.pendingRequest(channel.workspace_id, conversationId) : null,
      proactive: await this.proactive.forWidget(visitor),
    };
  }

  async receive(visitor: Visitor, payload: unknown): Promise<{ id: string }> {
    const { clientMessageId, text, attachmentIds } = parseSend(payload);
    const { channel, visitorId } = visitor;
    const attachments: AttachmentDto[] = await this.attachments.findOwned(
      channel.workspace_id,
      { type: 'contact', ref: visitorId },
      attachmentIds,
    );
    if (attachments.length !== attachmentIds.length)
      throw new WebchatError('validation_failed', 'attachmentIds: unknown attachment');
    const result = await this.ingest.ingest({
      channel,
      externalUserId: visitorId,
      contactName: `Website visitor ${visitorId.slice(0, 4).toUpperCase()}`,
      externalMessageId: `${visitorId}:${clientMessageId}`,
      clientMessageId,
      text,
      attachments,
      sentAt: new Date(),
    });
    if (!result.duplicate) {
      this.realtime.toVisitor(channel.id, visitorId, 'message.created', mapWebchatMessage(result.message));
      // The message is stored: a failure to mark the invitation accepted must not fail the send.
      await this.proactive
        .acceptIfInvited(visitor, result.message)
        .catch((err: Error) => this.logger.warn(`proactive acceptance not recorded: ${err.message}`));
    }
    return { id: result.message.id };
  }

  /** `survey.answer`: the visitor rates the survey of one of their conversations. */
  async answerSurvey(visitor: Visitor, payload: unknown): Promise<{ ok: true }> {
    await this.asWebchatError(() => this.surveys.answerFromWidget(visitor.channel, visitor.visitorId, payload));
    return { ok: true };
  }

  /** `page.view {url}`: recorded for returning visitors and the visitor→chat rate. */
  async pageView(visitor: Visitor, payload: unknown): Promise<{ ok: true }> {
    await this.asWebchatError(() => this.proactive.pageView(visitor, payload));
    return { ok: true };
  }

  /** `invitation.shown {triggerId}`: the widget showed a proactive invitation. */
  async invitationShown(visitor: Visitor, payload: unknown): Promise<{ ok: true }> {
    await this.asWebchatError(() => this.proactive.invitationShown(visitor, payload));
    return { ok: true };
  }

  private async asWebchatError(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (err instanceof SurveyError || err instanceof ProactiveError) throw new WebchatError(err.code, err.message);
      throw err;
    }
  }

  async updateProfile(visitor: Visitor, payload: unknown): Promise<void> {
    const profile = parseProfile(payload);
    const { channel, visitorId } = visitor;
    const contact = await this.tx.run((tx) =>
      this.contacts.upsertByIdentity(tx, {
        workspaceId: channel.workspace_id,
        channelId: channel.id,
        externalId: visitorId,
        name: profile.name ?? `Website visitor ${visitorId.slice(0, 4).toUpperCase()}`,
      }),
    );
    await this.contacts.updateProfile(channel.workspace_id, contact.id, profile);
  }

  /** Forwards the visitor's typing to agents who have the conversation open. */
  async typing(visitor: Visitor, typing: boolean, name: string): Promise<void> {
    const conversationId = await this.conversationIdOf(visitor);
    if (conversationId)
      this.realtime.toConversationRoom(conversationId, 'typing', { conversationId, author: 'contact', name, typing });
  }

  async conversationIdOf(visitor: Pick<Visitor, 'channel' | 'visitorId'>): Promise<string | null> {
    const contact = await this.contacts.findByIdentity(visitor.channel.id, visitor.visitorId);
    if (!contact) return null;
    return this.conversations.findIdByChannelContact(visitor.channel.id, contact.id);
  }

  /** The visitor id behind a webchat contact: the external id of its identity on that channel. */
  async visitorIdOf(channelId: string, contactId: string): Promise<string | null> {
    return this.contacts.findExternalId(channelId, contactId);
  }

  /** For HTTP uploads: the visitor behind a widget key and token, or a 401. */
  async visitorFromHeaders(widgetKey: string | undefined, visitorToken: string | undefined): Promise<Visitor> {
    const channel = widgetKey ? await this.channels.findByWidgetKey(widgetKey) : null;
    const visitorId = channel && visitorToken ? await this.tokens.verifyVisitor(visitorToken, channel.id) : null;
    if (!channel || !visitorId) throw new ApiException(401, 'unauthorized', 'Unknown widget or visitor');
    return { channel, visitorId, visitorToken: visitorToken! };
  }
}

function parseSend(payload: unknown): { clientMessageId: string; text: string; attachmentIds: string[] } {
  const body = (payload ?? {}) as Record<string, unknown>;
  const { clientMessageId, text } = body;
  const attachmentIds = body['attachmentIds'] ?? [];
  if (typeof clientMessageId !== 'string' || clientMessageId.length < 1 || clientMessageId.length > 100) {
    throw new WebchatError('validation_failed', 'clientMessageId: must be a string of 1–100 characters');
  }
  if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH) {
    throw new WebchatError('validation_failed', `text: must be a string of at most ${MAX_TEXT_LENGTH} characters`);
  }
  if (
    !Array.isArray(attachmentIds) ||
    attachmentIds.length > 10 ||
    !attachmentIds.every((id) => typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id))
  ) {
    throw new WebchatError('validation_failed', 'attachmentIds: must be up to 10 attachment ids');
  }
  if (!text.trim() && attachmentIds.length === 0)
    throw new WebchatError('validation_failed', 'text: must not be empty');
  return { clientMessageId, text: text.trim(), attachmentIds: [...new Set(attachmentIds as string[])] };
}

function parseProfile(payload: unknown): { name?: string; email?: string; phone?: string } {
  const body = (payload ?? {}) as Record<string, unknown>;
  const profile: { name?: string; email?: string; phone?: string } = {};
  for (const field of ['name', 'email', 'phone'] as const) {
    const value = body[field];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' || value.trim().length > 120)
      throw new WebchatError('validation_failed', `${field}: must be text up to 120 characters`);
    profile[field] = value.trim();
  }
  if (profile.email && !EMAIL.test(profile.email))
    throw new WebchatError('validation_failed', 'email: is not an email address');
  if (profile.phone && !PHONE.test(profile.phone))
    throw new WebchatError('validation_failed', 'phone: is not a phone number');
  if (!profile.name && !profile.email && !profile.phone)
    throw new WebchatError('validation_failed', 'name: give a name, email or phone');
  return profile;
}

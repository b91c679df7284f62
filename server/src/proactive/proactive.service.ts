import { Injectable } from '@nestjs/common';
import type { ProactiveTrigger, WidgetProactive } from '@onebox/contracts';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user';
import { ChannelsRepository, type ChannelRow } from '../channels/channels.repository';
import { ApiException } from '../common/api.exception';
import { ConversationEventsRepository } from '../conversations/conversation-events.repository';
import { TransactionService } from '../database/transaction.service';
import { mapTrigger, readTriggers, type ProactiveTriggersBody } from './proactive.dto';
import { ProactiveRepository } from './proactive.repository';

/** A visitor who writes within this time of an invitation answered it. */
const ACCEPT_WINDOW_MS = 60 * 60 * 1000;
/** A page view at least this old means the visitor came back (an earlier visit). */
const RETURNING_AFTER_MS = 30 * 60 * 1000;
const MAX_URL = 2000;

/** A widget visitor: the webchat channel and the visitor's id on it. */
export interface WidgetVisitor {
  channel: ChannelRow;
  visitorId: string;
}

/** Refused widget input; the gateway answers `{error:{code,message}}`. */
export class ProactiveError extends Error {
  constructor(
    readonly code: 'validation_failed' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Proactive chat: admins define triggers per webchat channel; the widget evaluates them, shows
 * the invitation and reports it (once per visitor, trigger and UTC day); the visitor's next
 * message within an hour accepts it. Page views are recorded for returning visitors and the
 * visitor→chat rate.
 */
@Injectable()
export class ProactiveService {
  constructor(
    private readonly proactive: ProactiveRepository,
    private readonly channels: ChannelsRepository,
    private readonly events: ConversationEventsRepository,
    private readonly tx: TransactionService,
  ) {}

  async getTriggers(auth: AuthUser, channelId: string): Promise<{ triggers: ProactiveTrigger[] }> {
    const channel = await this.webchatChannel(auth, channelId);
    return { triggers: readTriggers(channel.settings.proactive) };
  }

  async saveTriggers(
    auth: AuthUser,
    channelId: string,
    body: ProactiveTriggersBody,
  ): Promise<{ triggers: ProactiveTrigger[] }> {
    const channel = await this.webchatChannel(auth, channelId);
    const seen = new Set<string>();
    const triggers = body.triggers.map((trigger, i) => {
      const id = trigger.id ?? randomUUID();
      if (seen.has(id)) throw ApiException.invalid(`triggers.${i}.id`, 'must be unique');
      seen.add(id);
      return mapTrigger({ ...trigger, id });
    });
    await this.proactive.saveTriggers(auth.workspaceId, channel.id, triggers);
    return { triggers };
  }

  /** What the widget's session carries: enabled triggers, returning visitor, triggers seen today. */
  async forWidget(visitor: WidgetVisitor, now = new Date()): Promise<WidgetProactive> {
    const { channel, visitorId } = visitor;
    const triggers = readTriggers(channel.settings.proactive).filter((t) => t.enabled);
    if (triggers.length === 0) return { triggers: [], returningVisitor: false, shownToday: [] };
    const [returningVisitor, shownToday] = await Promise.all([
      this.proactive.viewedBefore(
        channel.workspace_id,
        channel.id,
        visitorId,
        new Date(now.getTime() - RETURNING_AFTER_MS),
      ),
      this.proactive.triggersShownOn(channel.workspace_id, channel.id, visitorId, utcDay(now)),
    ]);
    return { triggers, returningVisitor, shownToday };
  }

  async pageView(visitor: WidgetVisitor, payload: unknown, now = new Date()): Promise<void> {
    const url = (payload as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || url.length > MAX_URL)
      throw new ProactiveError('validation_failed', `url: must be an http(s) URL up to ${MAX_URL} characters`);
    await this.proactive.recordPageView({
      workspaceId: visitor.channel.workspace_id,
      channelId: visitor.channel.id,
      visitorId: visitor.visitorId,
      url,
      at: now,
    });
  }

  async invitationShown(visitor: WidgetVisitor, payload: unknown, now = new Date()): Promise<void> {
    const triggerId = (payload as { triggerId?: unknown } | null)?.triggerId;
    const trigger = readTriggers(visitor.channel.settings.proactive).find((t) => t.id === triggerId && t.enabled);
    if (!trigger) throw new ProactiveError('not_found', 'triggerId: unknown trigger');
    await this.proactive.insertInvitation({
      workspaceId: visitor.channel.workspace_id,
      channelId: visitor.channel.id,
      visitorId: visitor.visitorId,
      triggerId: trigger.id,
      at: now,
    });
  }

  /**
   * The visitor wrote: their latest invitation of the last hour, if still open, is accepted by
   * this message's conversation cycle (`proactive_accepted` on that cycle, in one transaction).
   */
  async acceptIfInvited(
    visitor: WidgetVisitor,
    message: { conversation_id: string; cycle: number; created_at: Date },
  ): Promise<void> {
    const { channel, visitorId } = visitor;
    await this.tx.run(async (tx) => {
      const invitation = await this.proactive.acceptLatest(
        tx,
        { workspaceId: channel.workspace_id, channelId: channel.id, visitorId },
        {
          conversationId: message.conversation_id,
          cycle: message.cycle,
          at: message.created_at,
          since: new Date(message.created_at.getTime() - ACCEPT_WINDOW_MS),
        },
      );
      if (!invitation) return;
      await this.events.append(tx, [
        {
          workspaceId: channel.workspace_id,
          conversationId: message.conversation_id,
          channelId: channel.id,
          cycle: message.cycle,
          type: 'proactive_accepted',
          actorType: 'contact',
          actorId: null,
          at: message.created_at,
          payload: { invitationId: invitation.id, triggerId: invitation.trigger_id },
        },
      ]);
    });
  }

  private async webchatChannel(auth: AuthUser, channelId: string): Promise<ChannelRow> {
    const channel = await this.channels.findInWorkspace(auth.workspaceId, channelId);
    if (!channel) throw ApiException.notFound('Channel');
    if (channel.type !== 'webchat')
      throw ApiException.invalid('channelId', 'proactive chat is available on website chat channels only');
    return channel;
  }
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

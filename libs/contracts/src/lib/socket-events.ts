import type { AttachmentDto, ConversationListItem, MessageDto } from './api';
import type { MentionDto } from './assist';
import type { CrmStatusEvent, DealDto } from './crm';
import type { OfferClosedEvent, OfferDto, PresenceStatus, PresenceUpdatedEvent } from './routing';
import type { ConversationSurveyDto, SurveyAnswer, SurveyRequest, WidgetProactive } from './surveys';
import type { ConversationMissedEvent } from './workspace';

/** Socket.io namespaces. */
export const AGENT_NAMESPACE = '/agent';
export const WEBCHAT_NAMESPACE = '/webchat';

/** Events the server emits on `/agent` (handshake `auth: {token}`). */
export interface AgentServerEvents {
  'message.created': (message: MessageDto) => void;
  'message.updated': (message: MessageDto) => void;
  'conversation.created': (conversation: ConversationListItem) => void;
  'conversation.updated': (conversation: ConversationListItem) => void;
  typing: (event: { conversationId: string; author: 'contact' | 'agent'; name: string; typing: boolean }) => void;
  /** A conversation's deal changed (created in the CRM, stage or amount moved, sync failed). */
  'deal.updated': (deal: DealDto & { conversationId: string }) => void;
  /** A teammate's presence changed (workspace room). */
  'presence.updated': (event: PresenceUpdatedEvent) => void;
  /** A conversation offered to this user (user room): accept or decline before `expiresAt`. */
  'offer.created': (offer: OfferDto) => void;
  /** An offer to this user closed (accepted, declined, expired or cancelled). */
  'offer.closed': (event: OfferClosedEvent) => void;
  /** A customer answered a survey (to the conversation's audience). */
  'survey.answered': (event: { conversationId: string; survey: ConversationSurveyDto }) => void;
  /** A teammate mentioned this user in a private note (user room). */
  'mention.created': (mention: MentionDto) => void;
  /** A cycle was marked missed (heads and admins: leads room). */
  'conversation.missed': (event: ConversationMissedEvent) => void;
  /** The workspace's CRM stopped answering (`degraded`), stopped syncing (`error`) or recovered (`active`): heads and admins (leads room). */
  'crm.status': (event: CrmStatusEvent) => void;
}

/** Events agents emit on `/agent`. */
export interface AgentClientEvents {
  'conversation.join': (payload: { conversationId: string }, ack: (result: { ok: boolean }) => void) => void;
  'conversation.leave': (payload: { conversationId: string }) => void;
  typing: (payload: { conversationId: string; typing: boolean }) => void;
  /** Sets the user's presence; the ack carries the stored status. */
  'presence.set': (payload: { status: PresenceStatus }, ack: (result: { status: PresenceStatus }) => void) => void;
  /** Sent every ~25 s while the app is open; missing them for ~90 s goes offline. */
  'presence.heartbeat': (payload: Record<string, never>, ack: (result: { status: PresenceStatus }) => void) => void;
}

/** A message as the website visitor sees it: no private notes, no internal ids of agents. */
export interface WebchatMessage {
  id: string;
  clientMessageId: string | null;
  direction: 'in' | 'out';
  authorName: string;
  text: string;
  attachments: AttachmentDto[];
  createdAt: string;
}

export interface WebchatSession {
  visitorToken: string;
  channelName: string;
  /** True when someone is online to answer; the widget shows an offline notice otherwise. */
  online: boolean;
  replyTimeText: string | null;
  /** Whether the visitor already gave their name/contact; the pre-chat form is skipped then. */
  profileComplete: boolean;
  history: WebchatMessage[];
  /** The last cycle's survey while it is unanswered: a reload still shows it. */
  survey?: SurveyRequest | null;
  /** Proactive-chat triggers of the channel and what the visitor has already seen. */
  proactive?: WidgetProactive;
}

/** Events the server emits on `/webchat` (handshake `auth: {widgetKey, visitorToken?}`). */
export interface WebchatServerEvents {
  session: (session: WebchatSession) => void;
  'message.created': (message: WebchatMessage) => void;
  typing: (event: { typing: boolean; name: string }) => void;
  'survey.request': (event: SurveyRequest) => void;
}

/** Events the widget emits on `/webchat`. */
export interface WebchatClientEvents {
  'message.send': (
    payload: { clientMessageId: string; text: string; attachmentIds?: string[] },
    ack: (result: { id: string } | { error: { code: string; message: string } }) => void,
  ) => void;
  'profile.update': (
    payload: { name?: string; email?: string; phone?: string },
    ack: (result: { ok: true } | { error: { code: string; message: string } }) => void,
  ) => void;
  typing: (payload: { typing: boolean }) => void;
  'survey.answer': (
    payload: SurveyAnswer,
    ack: (result: { ok: true } | { error: { code: string; message: string } }) => void,
  ) => void;
  /** The page the widget is on (for visitor→chat rate and returning visitors). */
  'page.view': (payload: { url: string }) => void;
  /** The widget showed a proactive invitation. */
  'invitation.shown': (
    payload: { triggerId: string },
    ack: (result: { ok: true } | { error: { code: string; message: string } }) => void,
  ) => void;
}

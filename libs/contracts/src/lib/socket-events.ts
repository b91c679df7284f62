import type { AttachmentDto, ConversationListItem, MessageDto } from './api';
import type { DealDto } from './crm';

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
}

/** Events agents emit on `/agent`. */
export interface AgentClientEvents {
  'conversation.join': (payload: { conversationId: string }, ack: (result: { ok: boolean }) => void) => void;
  'conversation.leave': (payload: { conversationId: string }) => void;
  typing: (payload: { conversationId: string; typing: boolean }) => void;
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
}

/** Events the server emits on `/webchat` (handshake `auth: {widgetKey, visitorToken?}`). */
export interface WebchatServerEvents {
  session: (session: WebchatSession) => void;
  'message.created': (message: WebchatMessage) => void;
  typing: (event: { typing: boolean; name: string }) => void;
  'survey.request': (event: { surveyId: string; kind: 'csat' | 'nps' | 'ces' }) => void;
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
}

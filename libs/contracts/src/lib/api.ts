import type {
  AuthorType,
  ChannelStatus,
  ChannelType,
  ConversationStatus,
  DeliveryErrorCode,
  DeliveryStatus,
  MessageDirection,
  UserRole,
} from './enums';
import type { ChannelRoutingDto } from './routing';

/** Every HTTP error: a stable code, a human message and, for validation, the offending fields. */
export interface ApiError {
  code: string;
  message: string;
  details?: { field: string; message: string }[];
}

export interface UserDto {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  /** The most open conversations routing gives this user at once. */
  maxChats?: number;
}

export interface MeDto extends UserDto {
  workspace: WorkspaceDto;
}

export interface WorkspaceDto {
  id: string;
  name: string;
  timeZone: string;
  locale: 'ru' | 'en';
}

export interface LoginRequest {
  email: string;
  password: string;
}

export interface LoginResponse {
  accessToken: string;
  user: UserDto;
}

/** The rules every new password follows (a user created by an admin, a change, a reset). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 200;

/** `POST /api/me/password`: every other session of the user ends; the answer is a new token for this one. */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface ChangePasswordResponse {
  accessToken: string;
}

/** `POST /api/users/:id/password` (admin): the user's sessions end; they sign in with the new password. */
export interface ResetPasswordRequest {
  newPassword: string;
}

export interface CreateUserRequest {
  email: string;
  name: string;
  password: string;
  role: UserRole;
}

export interface ChannelDto {
  id: string;
  type: ChannelType;
  name: string;
  status: ChannelStatus;
  webhookUrl?: string;
  widgetKey?: string;
  /** Ready-to-paste HTML for webchat channels. */
  embedSnippet?: string;
  /** The platform account behind a messenger channel (bot username, phone number). */
  accountName?: string;
  /** How updates reach Onebox: the platform calls `webhookUrl`, or Onebox long-polls it. */
  mode?: 'webhook' | 'polling';
  /** The platform's last error when `status` is `error`. */
  statusMessage?: string | null;
  /** How new conversations reach managers (`PUT /api/channels/:id/routing`). */
  routing?: ChannelRoutingDto;
  createdAt: string;
}

/** A channel type as the settings form needs it: generated from the adapter's declaration. */
export interface ChannelTypeDto {
  type: ChannelType;
  credentialFields: {
    key: string;
    label: { en: string; ru: string };
    secret: boolean;
    required: boolean;
    hint?: { en: string; ru: string };
    pattern?: string;
  }[];
  capabilities: {
    maxTextLength: number;
    media: string[];
    messagingWindowHours: number | null;
    templates: boolean;
  };
}

export interface CreateChannelRequest {
  type: ChannelType;
  name: string;
  credentials: Record<string, string>;
}

export interface AttachmentDto {
  id: string;
  name: string;
  mimeType: string;
  size: number;
  url: string;
}

export interface ConversationListItem {
  id: string;
  channel: { id: string; type: ChannelType; name: string };
  contact: { id: string; name: string };
  status: ConversationStatus;
  assignee: { id: string; name: string } | null;
  tags: string[];
  /** `author` is the agent who wrote an outgoing last message (null for the customer's). */
  lastMessage: {
    text: string;
    direction: MessageDirection;
    author: { id: string; name: string } | null;
    createdAt: string;
  } | null;
  unreadCount: number;
  /** The conversation's latest deal: title, stage name and state, amount. */
  deal: null | {
    id: string;
    title: string;
    stage: string;
    semantic: 'open' | 'won' | 'lost';
    amount: string | null;
    currency: string | null;
  };
  /** While `status` is `snoozed`: when it goes back to open. */
  snoozedUntil?: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationListResponse {
  items: ConversationListItem[];
  nextCursor: string | null;
}

export interface ContactIdentityDto {
  channelId: string;
  channelType: ChannelType;
  externalId: string;
}

export interface ContactDto {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  identities: ContactIdentityDto[];
  createdAt: string;
}

export interface ConversationDetail extends ConversationListItem {
  contact: ContactDto;
  cycle: number;
  cycleStartedAt: string;
  firstCustomerMessageAt: string | null;
  firstHumanReplyAt: string | null;
  resolvedAt: string | null;
  /**
   * The platform's customer-service window (WhatsApp: 24 h after the customer's last message):
   * free text is accepted until `closesAt`; null when the channel has no window.
   */
  messagingWindow: { hours: number; closesAt: string | null; open: boolean } | null;
  /** Earlier conversations of the same contact (other channels included), newest first. */
  pastConversations: {
    id: string;
    channel: { id: string; type: ChannelType; name: string };
    status: ConversationStatus;
    lastMessageAt: string;
  }[];
}

export interface MessageDto {
  id: string;
  conversationId: string;
  direction: MessageDirection;
  author: { type: AuthorType; id: string | null; name: string };
  text: string;
  attachments: AttachmentDto[];
  status: DeliveryStatus;
  error: { code: DeliveryErrorCode; message: string } | null;
  private: boolean;
  clientMessageId: string | null;
  /** Set when the customer edited the message on their platform. */
  editedAt: string | null;
  /** The WhatsApp template this message was sent as. */
  template: { name: string; language: string; parameters: string[] } | null;
  createdAt: string;
}

export interface MessageListResponse {
  /** Oldest first. Pass the first item's id as `before` to page further back. */
  items: MessageDto[];
  hasMore: boolean;
}

export interface SendMessageRequest {
  text: string;
  clientMessageId?: string;
  cannedResponseId?: string;
  private?: boolean;
  attachmentIds?: string[];
  /** An approved WhatsApp template, for when the 24-hour window is closed. */
  template?: { name: string; language: string; parameters?: string[] };
  /** Teammates a private note mentions (besides `@Name` in its text, which the server also reads). */
  mentionedUserIds?: string[];
}

export interface AssignRequest {
  assigneeId: string | null;
}

export interface StatusRequest {
  status: ConversationStatus;
}

export interface ConversationListQuery {
  status?: ConversationStatus | 'all';
  channelId?: string;
  assignee?: 'me' | 'unassigned' | string;
  tag?: string;
  q?: string;
  /** Only conversations whose current cycle was missed. */
  missed?: boolean;
  cursor?: string;
  limit?: number;
}

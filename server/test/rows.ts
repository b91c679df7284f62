/**
 * Shared row factories for unit specs: one coherent default world (workspace `ws-1`, webchat channel `ch-1`,
 * contact `ct-1` "Carl Customer", conversation `cv-1` in cycle 1, amoCRM connection `crm-1`, all at ROW_AT).
 * A spec that depends on other values passes them as overrides, or wraps a factory with its own defaults.
 */
import type { AttachmentRow } from '../src/attachments/attachments.repository';
import type { CannedResponseRow } from '../src/canned/canned-responses.repository';
import type { ChannelRow } from '../src/channels/channels.repository';
import type { ContactRow } from '../src/contacts/contacts.repository';
import type { ConversationListRow, ConversationRow } from '../src/conversations/conversations.repository';
import type { MessageRow } from '../src/conversations/messages.repository';
import type { CrmConnectionRow, CrmSettings } from '../src/crm/crm.repository';
import type { DealRow } from '../src/crm/deals.repository';
import type { JobRow } from '../src/jobs/jobs.repository';
import type { TagRow } from '../src/tags/tags.repository';
import type { UserRow } from '../src/users/users.repository';

export const ROW_AT = new Date('2024-11-21T10:00:00.000Z');

/** A webchat channel. */
export function channelRow(overrides: Partial<ChannelRow> = {}): ChannelRow {
  return {
    id: 'ch-1',
    workspace_id: 'ws-1',
    type: 'webchat',
    name: 'Website',
    status: 'active',
    credentials_enc: null,
    webhook_secret: 'whsec',
    widget_key: 'wk',
    settings: {},
    status_message: null,
    poll_cursor: null,
    created_at: ROW_AT,
    ...overrides,
  };
}

/** A Telegram bot channel connected by webhook. */
export function telegramChannelRow(overrides: Partial<ChannelRow> = {}): ChannelRow {
  return channelRow({
    id: 'ch-tg',
    type: 'telegram',
    name: 'Shop bot',
    credentials_enc: 'v1.sealed',
    widget_key: null,
    settings: { accountId: '42', accountName: '@shop_bot', mode: 'webhook' },
    ...overrides,
  });
}

export function contactRow(overrides: Partial<ContactRow> = {}): ContactRow {
  return {
    id: 'ct-1',
    workspace_id: 'ws-1',
    name: 'Carl Customer',
    email: null,
    phone: null,
    created_at: ROW_AT,
    ...overrides,
  };
}

/** An open, unassigned conversation whose one message is the customer's. */
export function conversationRow(overrides: Partial<ConversationRow> = {}): ConversationRow {
  return {
    id: 'cv-1',
    workspace_id: 'ws-1',
    channel_id: 'ch-1',
    contact_id: 'ct-1',
    status: 'open',
    assignee_id: null,
    tags: [],
    cycle: 1,
    cycle_started_at: ROW_AT,
    first_customer_message_at: ROW_AT,
    first_human_reply_at: null,
    last_customer_message_at: ROW_AT,
    last_message_at: ROW_AT,
    last_message_text: 'Is the sofa in stock?',
    last_message_direction: 'in',
    last_message_author_id: null,
    last_message_author_name: null,
    resolved_at: null,
    unread_count: 1,
    created_at: ROW_AT,
    updated_at: ROW_AT,
    ...overrides,
  };
}

/** `conversationRow` as the list query returns it, with channel, contact and assignee names. */
export function listRow(overrides: Partial<ConversationListRow> = {}): ConversationListRow {
  return {
    ...conversationRow(),
    channel_type: 'webchat',
    channel_name: 'Website',
    contact_name: 'Carl Customer',
    assignee_name: null,
    cursor_at: '2024-11-21 10:00:00+00',
    ...overrides,
  };
}

/** The customer's inbound message. */
export function messageRow(overrides: Partial<MessageRow> = {}): MessageRow {
  return {
    id: 'm-1',
    workspace_id: 'ws-1',
    conversation_id: 'cv-1',
    channel_id: 'ch-1',
    cycle: 1,
    direction: 'in',
    author_type: 'contact',
    author_id: 'ct-1',
    author_name: 'Carl Customer',
    text: 'Is the sofa in stock?',
    attachments: [],
    status: 'received',
    error_code: null,
    error_message: null,
    private: false,
    external_id: null,
    client_message_id: null,
    canned_response_id: null,
    template: null,
    buttons: null,
    edited_at: null,
    created_at: ROW_AT,
    ...overrides,
  };
}

/** An agent's reply, queued for delivery. */
export function outboundMessageRow(overrides: Partial<MessageRow> = {}): MessageRow {
  return messageRow({
    direction: 'out',
    author_type: 'agent',
    author_id: 'u-1',
    author_name: 'Mia',
    text: 'Hello',
    status: 'queued',
    ...overrides,
  });
}

/** An agent's upload, already stored. */
export function attachmentRow(overrides: Partial<AttachmentRow> = {}): AttachmentRow {
  return {
    id: 'a-1',
    workspace_id: 'ws-1',
    uploader_type: 'agent',
    uploader_ref: 'u-1',
    name: 'price-list.pdf',
    mime_type: 'application/pdf',
    size: 4,
    storage_key: 'uploads/a-/a-1',
    source_ref: null,
    ...overrides,
  };
}

export function crmSettings(overrides: Partial<CrmSettings> = {}): CrmSettings {
  return {
    accountId: '42',
    accountName: 'Acme',
    pipelineId: 'p-main',
    stageId: 's-lead',
    autoCreateDeal: true,
    channelIds: null,
    userMap: {},
    ...overrides,
  };
}

/** An active amoCRM connection. */
export function crmConnectionRow(overrides: Partial<CrmConnectionRow> = {}): CrmConnectionRow {
  return {
    id: 'crm-1',
    workspace_id: 'ws-1',
    type: 'amocrm',
    name: 'Our amoCRM',
    settings_enc: 'sealed',
    webhook_secret: 'hook-secret',
    settings: crmSettings(),
    status: 'active',
    status_message: null,
    last_synced_at: null,
    degraded_since: null,
    created_at: ROW_AT,
    ...overrides,
  };
}

/** A new, open, not yet synced deal for `cv-1`. */
export function dealRow(overrides: Partial<DealRow> = {}): DealRow {
  return {
    id: 'deal-1',
    workspace_id: 'ws-1',
    crm_connection_id: 'crm-1',
    conversation_id: 'cv-1',
    cycle: 1,
    origin: 'auto',
    external_id: null,
    title: 'Carl Customer — Telegram bot',
    pipeline_id: null,
    stage_id: null,
    stage_name: null,
    semantic: 'open',
    amount: null,
    currency: null,
    responsible_external_id: null,
    closed_at: null,
    sync_state: 'pending',
    sync_error: null,
    transcript_sent_at: null,
    created_at: ROW_AT,
    updated_at: ROW_AT,
    ...overrides,
  };
}

export function userRow(overrides: Partial<UserRow> = {}): UserRow {
  return {
    id: 'u-1',
    workspace_id: 'ws-1',
    email: 'mia@example.com',
    name: 'Mia Manager',
    role: 'manager',
    password_hash: '$2a$10$hash',
    max_chats: 5,
    token_version: 0,
    password_changed_at: null,
    created_at: ROW_AT,
    ...overrides,
  };
}

/** A first attempt at a delivery job. */
export function jobRow(overrides: Partial<JobRow> = {}): JobRow {
  return {
    id: 'job-1',
    workspace_id: 'ws-1',
    queue: 'deliver',
    payload: { messageId: 'm-1' },
    attempts: 1,
    max_attempts: 8,
    ...overrides,
  };
}

/** A workspace tag, "VIP" in indigo. */
export function tagRow(overrides: Partial<TagRow> = {}): TagRow {
  return {
    id: 'tag-1',
    workspace_id: 'ws-1',
    name: 'VIP',
    color: '#4f46e5',
    created_at: ROW_AT,
    ...overrides,
  };
}

/** A personal canned response of `u-1`. */
export function cannedResponseRow(overrides: Partial<CannedResponseRow> = {}): CannedResponseRow {
  return {
    id: 'cr-1',
    workspace_id: 'ws-1',
    owner_id: 'u-1',
    title: 'Greeting',
    shortcut: 'hi',
    text: 'Hello! How can I help?',
    created_at: ROW_AT,
    updated_at: ROW_AT,
    ...overrides,
  };
}

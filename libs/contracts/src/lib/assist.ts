import type { AuthorType } from './enums';
import type { ConversationListItem } from './api';

/** Phrases that hand a bot conversation to a person when no rule says otherwise. */
export const DEFAULT_BOT_HANDOFF_PHRASES = ['оператор', 'менеджер', 'человек', 'operator', 'manager', 'human', 'agent'];

/** One FAQ answer: any of `phrases` in the customer's message (normalised, case-insensitive) answers `answer`. */
export interface BotRule {
  id: string;
  phrases: string[];
  answer: string;
}

/**
 * A channel's FAQ bot (`channels.settings.bot`). While a cycle is in the bot phase (enabled, no
 * human reply yet, not handed over) the bot answers every customer message.
 */
export interface BotSettings {
  enabled: boolean;
  /** Sent once per cycle, before the bot's first answer. */
  greeting: string | null;
  rules: BotRule[];
  handoffPhrases: string[];
  /** The answer when no rule matched (counted as a fallback). */
  fallbackText: string;
  /** The answer when the customer asks for a person; the bot is silent for the rest of the cycle. */
  handoffText: string;
}

/** A message that matched a search, with its text around the match (`<mark>` around hits; the rest HTML-escaped). */
export interface SearchMessageHit {
  id: string;
  conversationId: string;
  snippet: string;
  createdAt: string;
  author: { type: AuthorType; name: string };
  private: boolean;
  contact: { id: string; name: string };
}

export interface SearchContactHit {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  /** The contact's most recent conversation the caller may open. */
  conversationId: string;
}

/** `GET /api/search?q=&limit=`: what the caller may see, grouped. */
export interface SearchResponse {
  conversations: ConversationListItem[];
  contacts: SearchContactHit[];
  messages: SearchMessageHit[];
}

/** Someone mentioned the user in a private note (`GET /api/mentions`, socket `mention.created`). */
export interface MentionDto {
  id: string;
  conversationId: string;
  messageId: string;
  /** The note's text (shortened). */
  text: string;
  author: { id: string | null; name: string };
  contact: { id: string; name: string };
  createdAt: string;
  readAt: string | null;
}

export interface MentionListResponse {
  items: MentionDto[];
  unreadCount: number;
}

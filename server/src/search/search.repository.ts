import { Inject, Injectable } from '@nestjs/common';
import type { AuthorType } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import type { Visibility } from '../conversations/conversations.repository';
import { FTS_CONFIG, likePattern, messageVector, phoneDigits } from './search-query';

export interface MessageHitRow {
  id: string;
  conversation_id: string;
  created_at: Date;
  author_type: AuthorType;
  author_name: string;
  private: boolean;
  contact_id: string;
  contact_name: string;
  /** `ts_headline` output with \u0002…\u0003 around hits; not escaped yet. */
  headline: string;
}

export interface ContactHitRow {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  conversation_id: string;
}

/** Markers `ts_headline` puts around hits; stripped from the text first so customers cannot forge them. */
export const HIT_START = '\u0002';
export const HIT_END = '\u0003';
const HEADLINE_OPTIONS = `StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "`;

/** Visible conversations `c`: the workspace, and for managers their own and unassigned ones. */
function visibleSql(v: Visibility, values: unknown[]): string {
  values.push(v.workspaceId);
  const ws = `c.workspace_id = $${values.length}`;
  if (!v.restrictToUserId) return ws;
  values.push(v.restrictToUserId);
  return `${ws} AND (c.assignee_id IS NULL OR c.assignee_id = $${values.length})`;
}

@Injectable()
export class SearchRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Messages (notes included) of visible conversations matching `tsQuery`, best match first. */
  messages(visibility: Visibility, tsQuery: string, limit: number): Promise<MessageHitRow[]> {
    const values: unknown[] = [tsQuery, HEADLINE_OPTIONS, limit];
    return this.db.query(
      `SELECT m.id, m.conversation_id, m.created_at, m.author_type, m.author_name, m.private,
              ct.id AS contact_id, ct.name AS contact_name,
              ts_headline('${FTS_CONFIG}', translate(m.text, E'\\u0002\\u0003', ''), q, $2) AS headline
       FROM to_tsquery('${FTS_CONFIG}', $1) q,
            messages m
            JOIN conversations c ON c.id = m.conversation_id
            JOIN contacts ct ON ct.id = c.contact_id
       WHERE ${visibleSql(visibility, values)} AND m.workspace_id = c.workspace_id AND ${messageVector('m')} @@ q
       ORDER BY ts_rank(${messageVector('m')}, q) DESC, m.created_at DESC
       LIMIT $3`,
      values,
    );
  }

  /** Contacts matching by name, e-mail or phone that have a conversation the caller may open. */
  contacts(visibility: Visibility, q: string, limit: number): Promise<ContactHitRow[]> {
    const values: unknown[] = [likePattern(q), limit];
    const terms = ['ct.name ILIKE $1', 'ct.email ILIKE $1', 'ct.phone ILIKE $1'];
    const digits = phoneDigits(q);
    if (digits) {
      values.push(`%${digits}%`);
      terms.push(`regexp_replace(ct.phone, '\\D', '', 'g') LIKE $${values.length}`);
    }
    const visible = visibleSql(visibility, values);
    values.push(visibility.workspaceId);
    return this.db.query(
      `SELECT ct.id, ct.name, ct.email, ct.phone, lc.id AS conversation_id
       FROM contacts ct
       JOIN LATERAL (
         SELECT c.id FROM conversations c
         WHERE ${visible} AND c.contact_id = ct.id
         ORDER BY c.last_message_at DESC LIMIT 1) lc ON true
       WHERE ct.workspace_id = $${values.length} AND (${terms.join(' OR ')})
       ORDER BY ct.name, ct.id
       LIMIT $2`,
      values,
    );
  }
}

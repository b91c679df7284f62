import { Inject, Injectable } from '@nestjs/common';
import type { ChannelType } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface ContactRow {
  id: string;
  workspace_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  created_at: Date;
}

export interface IdentityRow {
  channel_id: string;
  channel_type: ChannelType;
  external_id: string;
  username: string | null;
}

@Injectable()
export class ContactsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * The contact behind (channel, externalId), created on first sight. Safe under concurrency: the
   * unique identity key decides, and a contact created by a losing racer is removed again.
   */
  async upsertByIdentity(
    tx: Db,
    identity: {
      workspaceId: string;
      channelId: string;
      externalId: string;
      name: string;
      username?: string | null;
      phone?: string | null;
      meta?: Record<string, unknown>;
    },
  ): Promise<ContactRow> {
    const existing = await this.findByIdentity(identity.channelId, identity.externalId, tx);
    if (existing) {
      if (identity.meta && Object.keys(identity.meta).length) {
        await tx.query(
          'UPDATE contact_identities SET meta = meta || $3::jsonb WHERE channel_id = $1 AND external_id = $2',
          [identity.channelId, identity.externalId, JSON.stringify(identity.meta)],
        );
      }
      return existing;
    }
    const [contact]: ContactRow[] = await tx.query(
      'INSERT INTO contacts (workspace_id, name, phone) VALUES ($1, $2, $3) RETURNING *',
      [identity.workspaceId, identity.name, identity.phone ?? null],
    );
    const inserted: unknown[] = await tx.query(
      `INSERT INTO contact_identities (workspace_id, contact_id, channel_id, external_id, username, meta)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id`,
      [
        identity.workspaceId,
        contact.id,
        identity.channelId,
        identity.externalId,
        identity.username ?? null,
        JSON.stringify(identity.meta ?? {}),
      ],
    );
    if (inserted.length) return contact;
    await tx.query('DELETE FROM contacts WHERE id = $1', [contact.id]);
    const winner = await this.findByIdentity(identity.channelId, identity.externalId, tx);
    if (!winner) throw new Error('Contact identity vanished during upsert');
    return winner;
  }

  async findByIdentity(channelId: string, externalId: string, tx: Db = this.db.manager): Promise<ContactRow | null> {
    const rows: ContactRow[] = await tx.query(
      `SELECT ct.* FROM contact_identities ci JOIN contacts ct ON ct.id = ci.contact_id
       WHERE ci.channel_id = $1 AND ci.external_id = $2`,
      [channelId, externalId],
    );
    return rows[0] ?? null;
  }

  async findExternalId(channelId: string, contactId: string): Promise<string | null> {
    return (await this.findIdentityOnChannel(channelId, contactId))?.external_id ?? null;
  }

  /** The contact's identity on one channel: where replies go, and what the platform told us about it. */
  async findIdentityOnChannel(
    channelId: string,
    contactId: string,
  ): Promise<{ external_id: string; meta: Record<string, unknown> } | null> {
    const rows: { external_id: string; meta: Record<string, unknown> }[] = await this.db.query(
      'SELECT external_id, meta FROM contact_identities WHERE channel_id = $1 AND contact_id = $2 ORDER BY created_at LIMIT 1',
      [channelId, contactId],
    );
    return rows[0] ?? null;
  }

  async findInWorkspace(workspaceId: string, id: string): Promise<ContactRow | null> {
    const rows: ContactRow[] = await this.db.query('SELECT * FROM contacts WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
    return rows[0] ?? null;
  }

  listIdentities(workspaceId: string, contactId: string): Promise<IdentityRow[]> {
    return this.db.query(
      `SELECT ci.channel_id, ch.type AS channel_type, ci.external_id, ci.username
       FROM contact_identities ci JOIN channels ch ON ch.id = ci.channel_id
       WHERE ci.workspace_id = $1 AND ci.contact_id = $2 ORDER BY ci.created_at`,
      [workspaceId, contactId],
    );
  }

  /** Contacts of the workspace matching a name, phone or email fragment, newest first. */
  search(workspaceId: string, q: string, limit: number): Promise<ContactRow[]> {
    const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const digits = q.replace(/\D/g, '');
    return this.db.query(
      `SELECT * FROM contacts WHERE workspace_id = $1
         AND (name ILIKE $2 OR email ILIKE $2 OR ($3 <> '' AND regexp_replace(coalesce(phone, ''), '\\D', '', 'g') LIKE '%' || $3 || '%'))
       ORDER BY created_at DESC LIMIT $4`,
      [workspaceId, like, digits.length >= 4 ? digits : '', limit],
    );
  }

  /** Other contacts with the same phone (digits only) or email: likely the same person on another channel. */
  findLikelyDuplicates(contact: ContactRow): Promise<ContactRow[]> {
    const digits = (contact.phone ?? '').replace(/\D/g, '');
    const email = contact.email?.toLowerCase() ?? '';
    if (digits.length < 6 && !email) return Promise.resolve([]);
    return this.db.query(
      `SELECT * FROM contacts WHERE workspace_id = $1 AND id <> $2
         AND (($3 <> '' AND regexp_replace(coalesce(phone, ''), '\\D', '', 'g') = $3) OR ($4 <> '' AND lower(email) = $4))
       ORDER BY created_at LIMIT 10`,
      [contact.workspace_id, contact.id, digits.length >= 6 ? digits : '', email],
    );
  }

  /** Channels on which both contacts have a conversation (these block a merge). */
  async sharedConversationChannels(tx: Db, keepId: string, mergeId: string): Promise<string[]> {
    const rows: { name: string }[] = await tx.query(
      `SELECT ch.name FROM conversations a JOIN conversations b ON a.channel_id = b.channel_id
       JOIN channels ch ON ch.id = a.channel_id WHERE a.contact_id = $1 AND b.contact_id = $2`,
      [keepId, mergeId],
    );
    return rows.map((r) => r.name);
  }

  /** Moves identities and conversations of `mergeId` to `keepId`, fills blank profile fields, removes `mergeId`. */
  async merge(tx: Db, workspaceId: string, keepId: string, mergeId: string): Promise<void> {
    await tx.query('UPDATE contact_identities SET contact_id = $3 WHERE workspace_id = $1 AND contact_id = $2', [
      workspaceId,
      mergeId,
      keepId,
    ]);
    await tx.query(
      'UPDATE conversations SET contact_id = $3, updated_at = now() WHERE workspace_id = $1 AND contact_id = $2',
      [workspaceId, mergeId, keepId],
    );
    await tx.query(
      'UPDATE messages SET author_id = $3 WHERE workspace_id = $1 AND author_type = $4 AND author_id = $2',
      [workspaceId, mergeId, keepId, 'contact'],
    );
    await tx.query(
      `UPDATE contacts k SET email = COALESCE(k.email, m.email), phone = COALESCE(k.phone, m.phone), updated_at = now()
       FROM contacts m WHERE k.id = $2 AND m.id = $3 AND k.workspace_id = $1 AND m.workspace_id = $1`,
      [workspaceId, keepId, mergeId],
    );
    await tx.query('DELETE FROM contacts WHERE workspace_id = $1 AND id = $2', [workspaceId, mergeId]);
  }

  async lockPair(tx: Db, workspaceId: string, ids: [string, string]): Promise<ContactRow[]> {
    return tx.query('SELECT * FROM contacts WHERE workspace_id = $1 AND id = ANY ($2::uuid[]) ORDER BY id FOR UPDATE', [
      workspaceId,
      ids,
    ]);
  }

  /** Fills in profile fields; only the given ones change. */
  async updateProfile(
    workspaceId: string,
    id: string,
    profile: { name?: string; email?: string; phone?: string },
  ): Promise<ContactRow | null> {
    const rows = returnedRows<ContactRow>(
      await this.db.query(
        `UPDATE contacts SET name = COALESCE($3, name), email = COALESCE($4, email), phone = COALESCE($5, phone),
         updated_at = now() WHERE workspace_id = $1 AND id = $2 RETURNING *`,
        [workspaceId, id, profile.name ?? null, profile.email ?? null, profile.phone ?? null],
      ),
    );
    return rows[0] ?? null;
  }
}

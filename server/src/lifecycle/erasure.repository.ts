import { Injectable } from '@nestjs/common';
import { returnedRows, type Db } from '../database/database';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What was removed with a contact: counts for the audit line, files to delete once committed. */
export interface ErasedContact {
  conversations: number;
  messages: number;
  storageKeys: string[];
}

/**
 * Everything the store holds about one contact, removed inside the caller's transaction: their
 * identities, conversations with messages, attachments, events, notes and mentions, deal
 * mirrors, surveys, routing offers, proactive invitations, website page views, pending jobs.
 * Analytics facts are corrected separately (`CycleFactsRepository.replace`).
 */
@Injectable()
export class ErasureRepository {
  /** Locks the contact; false when the workspace has no such contact. */
  async lockContact(tx: Db, workspaceId: string, contactId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query('SELECT id FROM contacts WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [
      workspaceId,
      contactId,
    ]);
    return rows.length > 0;
  }

  async conversationIds(tx: Db, workspaceId: string, contactId: string): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      'SELECT id FROM conversations WHERE workspace_id = $1 AND contact_id = $2 FOR UPDATE',
      [workspaceId, contactId],
    );
    return rows.map((r) => r.id);
  }

  async erase(tx: Db, workspaceId: string, contactId: string, conversationIds: string[]): Promise<ErasedContact> {
    const ws = workspaceId;
    const ids = conversationIds;
    // Website visitors are known by their channel-scoped visitor id (page views, invitations, uploads).
    const visitors: { channel_id: string; external_id: string }[] = await tx.query(
      `SELECT ci.channel_id, ci.external_id FROM contact_identities ci JOIN channels ch ON ch.id = ci.channel_id
        WHERE ci.workspace_id = $1 AND ci.contact_id = $2 AND ch.type = 'webchat'`,
      [ws, contactId],
    );
    const visitorChannels = visitors.map((v) => v.channel_id);
    const visitorIds = visitors.map((v) => v.external_id);
    const deals: { id: string }[] = await tx.query(
      'SELECT id FROM deals WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[])',
      [ws, ids],
    );
    const dealIds = deals.map((d) => d.id);
    const run = (sql: string, params: unknown[]) => tx.query(sql, params);

    await run('DELETE FROM mentions WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[])', [ws, ids]);
    const messages = returnedRows<{ id: string; attachments: unknown }>(
      await tx.query(
        'DELETE FROM messages WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[]) RETURNING id, attachments',
        [ws, ids],
      ),
    );
    const attachmentIds = messages
      .flatMap((m) => (Array.isArray(m.attachments) ? m.attachments.map((a: { id?: unknown }) => String(a?.id)) : []))
      .filter((id) => UUID.test(id));
    const files = returnedRows<{ storage_key: string | null }>(
      await tx.query(
        `DELETE FROM attachments WHERE workspace_id = $1
           AND (id = ANY($2::uuid[]) OR (uploader_type = 'contact' AND uploader_ref = ANY($3::text[])))
         RETURNING storage_key`,
        [ws, attachmentIds, visitorIds],
      ),
    );
    await run('DELETE FROM conversation_events WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[])', [
      ws,
      ids,
    ]);
    await run('DELETE FROM deal_stage_history WHERE workspace_id = $1 AND deal_id = ANY($2::uuid[])', [ws, dealIds]);
    await run('DELETE FROM deals WHERE workspace_id = $1 AND id = ANY($2::uuid[])', [ws, dealIds]);
    await run('DELETE FROM survey_responses WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[])', [ws, ids]);
    await run('DELETE FROM surveys WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[])', [ws, ids]);
    await run('DELETE FROM routing_offers WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[])', [ws, ids]);
    await run(
      `DELETE FROM proactive_invitations WHERE workspace_id = $1 AND (conversation_id = ANY($2::uuid[])
          OR (channel_id, visitor_id) IN (SELECT * FROM unnest($3::uuid[], $4::text[])))`,
      [ws, ids, visitorChannels, visitorIds],
    );
    await run(
      `DELETE FROM widget_page_views WHERE workspace_id = $1
          AND (channel_id, visitor_id) IN (SELECT * FROM unnest($2::uuid[], $3::text[]))`,
      [ws, visitorChannels, visitorIds],
    );
    // Work still waiting for these records would only fail on them; finished jobs hold nothing but ids.
    await run(
      `DELETE FROM jobs WHERE status = 'pending' AND workspace_id = $1
          AND (payload->>'conversationId' = ANY($2::text[]) OR payload->>'messageId' = ANY($3::text[])
            OR payload->>'dealId' = ANY($4::text[]) OR payload->>'attachmentId' = ANY($5::text[])
            OR payload->>'visitorId' = ANY($6::text[]))`,
      [ws, ids, messages.map((m) => m.id), dealIds, attachmentIds, visitorIds],
    );
    await run('DELETE FROM analytics_dirty WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[])', [ws, ids]);
    await run('DELETE FROM conversations WHERE workspace_id = $1 AND id = ANY($2::uuid[])', [ws, ids]);
    // Identities and CRM contact links go with the contact (ON DELETE CASCADE).
    await run('DELETE FROM contacts WHERE workspace_id = $1 AND id = $2', [ws, contactId]);
    return {
      conversations: ids.length,
      messages: messages.length,
      storageKeys: files.flatMap((f) => (f.storage_key ? [f.storage_key] : [])),
    };
  }
}

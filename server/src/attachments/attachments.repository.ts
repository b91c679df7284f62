import { Inject, Injectable } from '@nestjs/common';
import type { MediaRef } from '@onebox/channels';
import type { AttachmentDto } from '@onebox/contracts';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Db } from '../database/database';

export interface AttachmentRow {
  id: string;
  workspace_id: string;
  uploader_type: 'contact' | 'agent' | 'channel';
  uploader_ref: string;
  name: string;
  mime_type: string;
  size: number;
  /** Null until a channel's media has been downloaded. */
  storage_key: string | null;
  /** The platform's reference to download it from (channel media). */
  source_ref: MediaRef | null;
}

export interface Uploader {
  type: 'contact' | 'agent';
  /** The agent's user id, or the visitor's channel-scoped id. */
  ref: string;
}

export function attachmentUrl(row: Pick<AttachmentRow, 'id' | 'name'>): string {
  return `/files/${row.id}/${encodeURIComponent(row.name)}`;
}

export function mapAttachment(row: AttachmentRow): AttachmentDto {
  return { id: row.id, name: row.name, mimeType: row.mime_type, size: row.size, url: attachmentUrl(row) };
}

/** A customer's file on a messenger, not downloaded yet: the row `insertPending` stores. */
export function pendingAttachment(
  workspaceId: string,
  channelId: string,
  media: MediaRef,
  name: string,
): AttachmentRow {
  return {
    id: randomUUID(),
    workspace_id: workspaceId,
    uploader_type: 'channel',
    uploader_ref: channelId,
    name,
    mime_type: media.mimeType ?? 'application/octet-stream',
    size: media.size ?? 0,
    storage_key: null,
    source_ref: media,
  };
}

@Injectable()
export class AttachmentsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async insert(
    row: Omit<AttachmentRow, 'source_ref'> & { source_ref?: MediaRef | null },
    tx: Db = this.db.manager,
  ): Promise<AttachmentRow> {
    const rows: AttachmentRow[] = await tx.query(
      `INSERT INTO attachments (id, workspace_id, uploader_type, uploader_ref, name, mime_type, size, storage_key, source_ref)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        row.id,
        row.workspace_id,
        row.uploader_type,
        row.uploader_ref,
        row.name,
        row.mime_type,
        row.size,
        row.storage_key,
        row.source_ref ? JSON.stringify(row.source_ref) : null,
      ],
    );
    return rows[0];
  }

  /**
   * Customers' files on a messenger, recorded before they are downloaded (by a job) — in the
   * transaction that stores their message, so a redelivery or a crash leaves no row behind.
   */
  async insertPending(tx: Db, rows: AttachmentRow[]): Promise<void> {
    for (const row of rows) await this.insert(row, tx);
  }

  async completeDownload(id: string, file: { storageKey: string; size: number; mimeType: string }): Promise<void> {
    await this.db.query('UPDATE attachments SET storage_key = $2, size = $3, mime_type = $4 WHERE id = $1', [
      id,
      file.storageKey,
      file.size,
      file.mimeType,
    ]);
  }

  /** The uploader's own attachments among `ids`, as DTOs in the order asked. */
  async findOwned(
    workspaceId: string,
    uploader: Uploader,
    ids: string[],
    tx: Db = this.db.manager,
  ): Promise<AttachmentDto[]> {
    if (ids.length === 0) return [];
    const rows: AttachmentRow[] = await tx.query(
      `SELECT * FROM attachments WHERE workspace_id = $1 AND uploader_type = $2 AND uploader_ref = $3 AND id = ANY ($4::uuid[])`,
      [workspaceId, uploader.type, uploader.ref, ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => (byId.has(id) ? [mapAttachment(byId.get(id)!)] : []));
  }

  /** Files are addressed by an unguessable id; the id is the capability. */
  async findById(id: string): Promise<AttachmentRow | null> {
    const rows: AttachmentRow[] = await this.db.query('SELECT * FROM attachments WHERE id = $1', [id]);
    return rows[0] ?? null;
  }
}

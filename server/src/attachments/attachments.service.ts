import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { AttachmentDto } from '@onebox/contracts';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiException } from '../common/api.exception';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AttachmentsRepository, mapAttachment, type AttachmentRow, type Uploader } from './attachments.repository';

/** What may be uploaded, by declared type and file extension alike. */
export const ALLOWED_UPLOADS: Record<string, string[]> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt'],
  'application/msword': ['doc'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
};

export interface UploadedFile {
  originalname: string;
  mimetype: string;
  size: number;
  buffer: Buffer;
}

/**
 * Keeps only a file name's safe characters: no paths, no control characters, no bidirectional
 * overrides (which make `invoice\u202Efdp.exe` read as `invoiceexe.pdf`).
 */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f"<>\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .slice(0, 150);
  return clean || 'file';
}

@Injectable()
export class AttachmentsService {
  constructor(
    private readonly attachments: AttachmentsRepository,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'dataDir' | 'uploadMaxBytes'>,
  ) {}

  async store(workspaceId: string, uploader: Uploader, file: UploadedFile | undefined): Promise<AttachmentDto> {
    if (!file) throw ApiException.invalid('file', 'is required (multipart field "file")');
    if (file.size > this.config.uploadMaxBytes) {
      throw new ApiException(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'file_too_large',
        `file: larger than ${Math.floor(this.config.uploadMaxBytes / 1048576)} MB`,
        [{ field: 'file', message: 'too large' }],
      );
    }
    const name = safeFileName(file.originalname);
    const extension = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
    const extensions = ALLOWED_UPLOADS[file.mimetype];
    if (!extensions || !extensions.includes(extension)) {
      throw new ApiException(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'unsupported_file_type',
        'file: this file type is not accepted',
        [{ field: 'file', message: 'images, PDF, text, Word and Excel files are accepted' }],
      );
    }
    const id = randomUUID();
    const storageKey = await this.writeBytes(id, file.buffer);
    const row = await this.attachments.insert({
      id,
      workspace_id: workspaceId,
      uploader_type: uploader.type,
      uploader_ref: uploader.ref,
      name,
      mime_type: file.mimetype,
      size: file.size,
      storage_key: storageKey,
    });
    return mapAttachment(row);
  }

  /** Stores a channel's downloaded media under the attachment recorded for it. */
  async completeDownload(id: string, data: Buffer, mimeType: string): Promise<void> {
    const storageKey = await this.writeBytes(id, data);
    await this.attachments.completeDownload(id, { storageKey, size: data.length, mimeType });
  }

  /** The bytes of a stored attachment (for sending it out through a messenger). */
  async readBytes(id: string): Promise<{ row: AttachmentRow; data: Buffer } | null> {
    const row = await this.attachments.findById(id);
    if (!row?.storage_key) return null;
    return { row, data: await readFile(join(this.config.dataDir, row.storage_key)) };
  }

  /** Removes stored files (data retention, erasure); a file already gone is fine. */
  async deleteFiles(storageKeys: string[]): Promise<void> {
    await Promise.all(storageKeys.map((key) => rm(join(this.config.dataDir, key), { force: true })));
  }

  private async writeBytes(id: string, data: Buffer): Promise<string> {
    const storageKey = join('uploads', id.slice(0, 2), id);
    await mkdir(join(this.config.dataDir, 'uploads', id.slice(0, 2)), { recursive: true });
    await writeFile(join(this.config.dataDir, storageKey), data);
    return storageKey;
  }

  async find(id: string): Promise<{ row: AttachmentRow; path: string } | null> {
    const row = await this.attachments.findById(id);
    return row?.storage_key ? { row, path: join(this.config.dataDir, row.storage_key) } : null;
  }
}

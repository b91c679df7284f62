import { Controller, Get, Param, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { AttachmentDto } from '@onebox/contracts';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { ApiException } from '../common/api.exception';
import { uuidPipe } from '../common/uuid.pipe';
import { AttachmentsService, type UploadedFile as Upload } from './attachments.service';
import { fileHeaders } from './file-headers';

export const UPLOAD_LIMITS = { limits: { fileSize: 25 * 1024 * 1024, files: 1 } };

@ApiTags('attachments')
@Controller()
export class AttachmentsController {
  constructor(private readonly attachments: AttachmentsService) {}

  @ApiBearerAuth()
  @ApiConsumes('multipart/form-data')
  @Post('api/uploads')
  @UseInterceptors(FileInterceptor('file', UPLOAD_LIMITS))
  upload(@CurrentUser() auth: AuthUser, @UploadedFile() file: Upload | undefined): Promise<AttachmentDto> {
    return this.attachments.store(auth.workspaceId, { type: 'agent', ref: auth.id }, file);
  }

  /** Files by unguessable id; active content is never rendered inline. */
  @Public()
  @Get('files/:id/:name')
  async download(@Param('id', uuidPipe('File')) id: string, @Res() res: Response): Promise<void> {
    const found = await this.attachments.find(id);
    if (!found) throw ApiException.notFound('File');
    const { row, path } = found;
    for (const [header, value] of Object.entries(fileHeaders(row.mime_type, row.name))) res.setHeader(header, value);
    res.sendFile(path, (err) => {
      if (err && !res.headersSent) res.status(404).json({ code: 'not_found', message: 'File not found' });
    });
  }
}

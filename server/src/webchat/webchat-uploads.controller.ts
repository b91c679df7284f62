import { Controller, Headers, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { AttachmentDto } from '@onebox/contracts';
import { UPLOAD_LIMITS } from '../attachments/attachments.controller';
import { AttachmentsService, type UploadedFile as Upload } from '../attachments/attachments.service';
import { Public } from '../auth/auth.decorators';
import { WebchatService } from './webchat.service';

/** Uploads from the website widget, authenticated by widget key + visitor token headers. */
@ApiTags('webchat')
@Controller('api/webchat')
export class WebchatUploadsController {
  constructor(
    private readonly webchat: WebchatService,
    private readonly attachments: AttachmentsService,
  ) {}

  @Public()
  @ApiConsumes('multipart/form-data')
  @Post('uploads')
  @UseInterceptors(FileInterceptor('file', UPLOAD_LIMITS))
  async upload(
    @Headers('x-widget-key') widgetKey: string | undefined,
    @Headers('x-visitor-token') visitorToken: string | undefined,
    @UploadedFile() file: Upload | undefined,
  ): Promise<AttachmentDto> {
    const visitor = await this.webchat.visitorFromHeaders(widgetKey, visitorToken);
    return this.attachments.store(visitor.channel.workspace_id, { type: 'contact', ref: visitor.visitorId }, file);
  }
}

import { Controller, Get, Header, Headers, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { WebhooksService } from './webhooks.service';

/** Messenger platforms call these; bodies arrive as raw bytes (see app.factory) for signature checks. */
@ApiExcludeController()
@Public()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post(':type/:channelId')
  @HttpCode(200)
  receive(
    @Param('type') type: string,
    @Param('channelId', uuidPipe('Channel')) channelId: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Req() req: Request,
  ): Promise<{ ok: true }> {
    return this.webhooks.receive(type, channelId, headers, req.body);
  }

  @Get(':type/:channelId')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  handshake(
    @Param('type') type: string,
    @Param('channelId', uuidPipe('Channel')) channelId: string,
    @Query() query: Record<string, string | undefined>,
  ): Promise<string> {
    return this.webhooks.handshake(type, channelId, query);
  }
}

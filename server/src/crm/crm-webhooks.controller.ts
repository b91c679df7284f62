import { Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { CrmWebhooksService } from './crm-webhooks.service';

type Headers = Record<string, string | string[] | undefined>;
const crmId = uuidPipe('CRM connection');

/** Deal changes from the CRMs; bodies arrive as raw bytes (form-encoded). Registered before the messengers' webhooks. */
@ApiExcludeController()
@Public()
@Controller('webhooks')
export class CrmWebhooksController {
  constructor(private readonly webhooks: CrmWebhooksService) {}

  @Post('amocrm/:crmId/:secret')
  @HttpCode(200)
  amocrm(
    @Param('crmId', crmId) id: string,
    @Param('secret') secret: string,
    @Headers() headers: Headers,
    @Req() req: Request,
  ): Promise<{ ok: true }> {
    return this.webhooks.receive('amocrm', id, { pathSecret: secret, headers, rawBody: req.body });
  }

  @Post('bitrix24/:crmId')
  @HttpCode(200)
  bitrix24(@Param('crmId', crmId) id: string, @Headers() headers: Headers, @Req() req: Request): Promise<{ ok: true }> {
    return this.webhooks.receive('bitrix24', id, { headers, rawBody: req.body });
  }
}

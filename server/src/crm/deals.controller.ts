import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { DealDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { CreateDealBody, UpdateDealBody } from './crm.dto';
import { DealsService } from './deals.service';

const conversationId = uuidPipe('Conversation');

@ApiTags('deals')
@ApiBearerAuth()
@Controller('api/conversations/:id/deal')
export class DealsController {
  constructor(private readonly deals: DealsService) {}

  @Get()
  get(@CurrentUser() auth: AuthUser, @Param('id', conversationId) id: string): Promise<DealDto | null> {
    return this.deals.get(auth, id);
  }

  @Post()
  create(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
    @Body() body: CreateDealBody,
  ): Promise<DealDto> {
    return this.deals.create(auth, id, body);
  }

  @Patch()
  update(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
    @Body() body: UpdateDealBody,
  ): Promise<DealDto> {
    return this.deals.update(auth, id, body);
  }
}

import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ProactiveTrigger } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { ProactiveTriggersBody } from './proactive.dto';
import { ProactiveService } from './proactive.service';

const channelId = uuidPipe('Channel');

@ApiTags('proactive')
@ApiBearerAuth()
@Controller('api/channels/:id/proactive')
export class ProactiveController {
  constructor(private readonly proactive: ProactiveService) {}

  @Get()
  list(@CurrentUser() auth: AuthUser, @Param('id', channelId) id: string): Promise<{ triggers: ProactiveTrigger[] }> {
    return this.proactive.getTriggers(auth, id);
  }

  @Put()
  @Roles('admin')
  save(
    @CurrentUser() auth: AuthUser,
    @Param('id', channelId) id: string,
    @Body() body: ProactiveTriggersBody,
  ): Promise<{ triggers: ProactiveTrigger[] }> {
    return this.proactive.saveTriggers(auth, id, body);
  }
}

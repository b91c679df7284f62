import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ChannelWorkingHoursDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { ChannelWorkingHoursBody } from './workspace-settings.dto';
import { WorkspaceSettingsService } from './workspace-settings.service';

const channelId = uuidPipe('Channel');

/** A channel's own working hours; null falls back to the workspace's. */
@ApiTags('channels')
@ApiBearerAuth()
@Controller('api/channels/:id/working-hours')
export class ChannelWorkingHoursController {
  constructor(private readonly settings: WorkspaceSettingsService) {}

  @Get()
  get(@CurrentUser() auth: AuthUser, @Param('id', channelId) id: string): Promise<ChannelWorkingHoursDto> {
    return this.settings.channelHours(auth, id);
  }

  @Put()
  @Roles('admin')
  update(
    @CurrentUser() auth: AuthUser,
    @Param('id', channelId) id: string,
    @Body() body: ChannelWorkingHoursBody,
  ): Promise<ChannelWorkingHoursDto> {
    return this.settings.setChannelHours(auth, id, body);
  }
}

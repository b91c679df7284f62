import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { WorkspaceSettingsDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { UpdateWorkspaceSettingsBody } from './workspace-settings.dto';
import { WorkspaceSettingsService } from './workspace-settings.service';

@ApiTags('workspace')
@ApiBearerAuth()
@Controller('api/workspace/settings')
export class WorkspaceSettingsController {
  constructor(private readonly settings: WorkspaceSettingsService) {}

  @Get()
  get(@CurrentUser() auth: AuthUser): Promise<WorkspaceSettingsDto> {
    return this.settings.get(auth);
  }

  @Put()
  @Roles('admin')
  update(@CurrentUser() auth: AuthUser, @Body() body: UpdateWorkspaceSettingsBody): Promise<WorkspaceSettingsDto> {
    return this.settings.update(auth, body);
  }
}

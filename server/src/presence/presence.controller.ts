import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { PresenceDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { PresenceService } from './presence.service';

@ApiTags('presence')
@ApiBearerAuth()
@Controller('api/presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  /** The team's current status and load (everyone in the workspace may see it). */
  @Get()
  list(@CurrentUser() auth: AuthUser): Promise<PresenceDto[]> {
    return this.presence.team(auth);
  }
}

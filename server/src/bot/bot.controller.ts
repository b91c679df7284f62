import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import type { BotSettings } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { BotService } from './bot.service';

const channelId = uuidPipe('Channel');

@ApiTags('bot')
@ApiBearerAuth()
@Controller('api/channels/:id/bot')
export class BotController {
  constructor(private readonly bot: BotService) {}

  @Get()
  @Roles('admin')
  get(@CurrentUser() auth: AuthUser, @Param('id', channelId) id: string): Promise<BotSettings> {
    return this.bot.getSettings(auth, id);
  }

  /** Validated by `parseBotSettings` (nested rules, field names like `rules[0].phrases`). */
  @Put()
  @Roles('admin')
  @ApiBody({ schema: { type: 'object' } })
  put(
    @CurrentUser() auth: AuthUser,
    @Param('id', channelId) id: string,
    @Body() body: Record<string, unknown>,
  ): Promise<BotSettings> {
    return this.bot.saveSettings(auth, id, body);
  }
}

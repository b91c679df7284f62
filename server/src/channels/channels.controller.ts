import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ChannelDto, ChannelTypeDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { CreateChannelBody } from './channels.dto';
import { ChannelsService } from './channels.service';

@ApiTags('channels')
@ApiBearerAuth()
@Controller('api/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  list(@CurrentUser() auth: AuthUser): Promise<ChannelDto[]> {
    return this.channels.list(auth);
  }

  /** The channel types and the credentials each asks for (the settings form is generated from it). */
  @Get('types')
  types(): ChannelTypeDto[] {
    return this.channels.types();
  }

  @Post()
  @Roles('admin')
  create(@CurrentUser() auth: AuthUser, @Body() body: CreateChannelBody): Promise<ChannelDto> {
    return this.channels.create(auth, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  remove(@CurrentUser() auth: AuthUser, @Param('id', uuidPipe('Channel')) id: string): Promise<void> {
    return this.channels.remove(auth, id);
  }
}

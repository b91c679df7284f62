import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { MentionListResponse } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { ListMentionsQuery } from './mentions.dto';
import { NotesService } from './notes.service';

@ApiTags('mentions')
@ApiBearerAuth()
@Controller('api/mentions')
export class MentionsController {
  constructor(private readonly notes: NotesService) {}

  /** The caller's mentions, newest first, with the unread count (`?unread=true` for unread only). */
  @Get()
  list(@CurrentUser() auth: AuthUser, @Query() query: ListMentionsQuery): Promise<MentionListResponse> {
    return this.notes.list(auth, query);
  }

  @Post(':id/read')
  @HttpCode(204)
  read(@CurrentUser() auth: AuthUser, @Param('id', uuidPipe('Mention')) id: string): Promise<void> {
    return this.notes.markRead(auth, id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { TagDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { CreateTagBody, UpdateTagBody } from './tags.dto';
import { TagsService } from './tags.service';

const tagId = uuidPipe('Tag');

@ApiTags('tags')
@ApiBearerAuth()
@Controller('api/tags')
export class TagsController {
  constructor(private readonly tags: TagsService) {}

  @Get()
  list(@CurrentUser() auth: AuthUser): Promise<TagDto[]> {
    return this.tags.list(auth);
  }

  @Post()
  @Roles('admin')
  create(@CurrentUser() auth: AuthUser, @Body() body: CreateTagBody): Promise<TagDto> {
    return this.tags.create(auth, body);
  }

  @Patch(':id')
  @Roles('admin')
  update(@CurrentUser() auth: AuthUser, @Param('id', tagId) id: string, @Body() body: UpdateTagBody): Promise<TagDto> {
    return this.tags.update(auth, id, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  remove(@CurrentUser() auth: AuthUser, @Param('id', tagId) id: string): Promise<void> {
    return this.tags.remove(auth, id);
  }
}

import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ConversationDetail, ConversationListResponse, MessageDto, MessageListResponse } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import {
  AssignBody,
  ListConversationsQuery,
  ListMessagesQuery,
  SendMessageBody,
  StatusBody,
} from './conversations.dto';
import { SetTagsBody } from '../tags/tags.dto';
import { ConversationsService } from './conversations.service';

const conversationId = uuidPipe('Conversation');

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Get()
  list(@CurrentUser() auth: AuthUser, @Query() query: ListConversationsQuery): Promise<ConversationListResponse> {
    return this.conversations.list(auth, query);
  }

  @Get(':id')
  get(@CurrentUser() auth: AuthUser, @Param('id', conversationId) id: string): Promise<ConversationDetail> {
    return this.conversations.get(auth, id);
  }

  @Get(':id/messages')
  messages(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
    @Query() query: ListMessagesQuery,
  ): Promise<MessageListResponse> {
    return this.conversations.listMessages(auth, id, query);
  }

  @Post(':id/messages')
  send(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
    @Body() body: SendMessageBody,
  ): Promise<MessageDto> {
    return this.conversations.send(auth, id, body);
  }

  @Post(':id/messages/:messageId/retry')
  retry(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
    @Param('messageId', uuidPipe('Message')) messageId: string,
  ): Promise<MessageDto> {
    return this.conversations.retry(auth, id, messageId);
  }

  @Post(':id/assign')
  @HttpCode(204)
  assign(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
    @Body() body: AssignBody,
  ): Promise<void> {
    return this.conversations.assign(auth, id, body);
  }

  @Post(':id/status')
  @HttpCode(204)
  status(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
    @Body() body: StatusBody,
  ): Promise<void> {
    return this.conversations.setStatus(auth, id, body);
  }

  @Put(':id/tags')
  @HttpCode(204)
  setTags(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
    @Body() body: SetTagsBody,
  ): Promise<void> {
    return this.conversations.setTags(auth, id, body.tags);
  }

  @Post(':id/read')
  @HttpCode(204)
  read(@CurrentUser() auth: AuthUser, @Param('id', conversationId) id: string): Promise<void> {
    return this.conversations.markRead(auth, id);
  }
}

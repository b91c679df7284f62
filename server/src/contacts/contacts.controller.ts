import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ContactDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { ContactErasureService } from '../lifecycle/contact-erasure.service';
import { MergeContactBody, SearchContactsQuery } from './contacts.dto';
import { ContactsService } from './contacts.service';

const contactId = uuidPipe('Contact');

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('api/contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly erasure: ContactErasureService,
  ) {}

  @Get()
  search(@CurrentUser() auth: AuthUser, @Query() query: SearchContactsQuery): Promise<ContactDto[]> {
    return this.contacts.search(auth, query);
  }

  @Get(':id')
  get(@CurrentUser() auth: AuthUser, @Param('id', contactId) id: string): Promise<ContactDto> {
    return this.contacts.get(auth, id);
  }

  @Get(':id/suggestions')
  suggestions(@CurrentUser() auth: AuthUser, @Param('id', contactId) id: string): Promise<ContactDto[]> {
    return this.contacts.suggestions(auth, id);
  }

  @Post(':id/merge')
  merge(
    @CurrentUser() auth: AuthUser,
    @Param('id', contactId) id: string,
    @Body() body: MergeContactBody,
  ): Promise<ContactDto> {
    return this.contacts.merge(auth, id, body);
  }

  /** Erases the contact and everything about them (a data subject's request); answers 204. */
  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  erase(@CurrentUser() auth: AuthUser, @Param('id', contactId) id: string): Promise<void> {
    return this.erasure.erase(auth, id);
  }
}

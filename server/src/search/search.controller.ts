import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { SearchResponse } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { SearchQuery } from './search.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@ApiBearerAuth()
@Controller('api/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  /** Conversations, contacts and messages matching `q` that the caller may open, grouped. */
  @Get()
  find(@CurrentUser() auth: AuthUser, @Query() query: SearchQuery): Promise<SearchResponse> {
    return this.search.find(auth, query);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { CrmConnectionDto, CrmPipelineDto, CrmUserDto } from '@onebox/contracts';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Public, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { CreateCrmBody, UpdateCrmBody } from './crm.dto';
import { CrmService } from './crm.service';

const crmId = uuidPipe('CRM connection');

@ApiTags('crm')
@ApiBearerAuth()
@Controller('api/crm')
export class CrmController {
  constructor(private readonly crm: CrmService) {}

  @Get('types')
  types(): ReturnType<CrmService['types']> {
    return this.crm.types();
  }

  /** Where the CRM sends the admin's browser after OAuth consent (public: the state is signed). */
  @Public()
  @Get('oauth/callback')
  async oauthCallback(@Query() query: Record<string, string>, @Res() res: Response): Promise<void> {
    res.redirect(302, await this.crm.oauthCallback(query));
  }

  @Get()
  list(@CurrentUser() auth: AuthUser): Promise<CrmConnectionDto[]> {
    return this.crm.list(auth);
  }

  @Post()
  @Roles('admin')
  connect(@CurrentUser() auth: AuthUser, @Body() body: CreateCrmBody): Promise<CrmConnectionDto> {
    return this.crm.connect(auth, body);
  }

  @Patch(':id')
  @Roles('admin')
  update(
    @CurrentUser() auth: AuthUser,
    @Param('id', crmId) id: string,
    @Body() body: UpdateCrmBody,
  ): Promise<CrmConnectionDto> {
    return this.crm.update(auth, id, body);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  remove(@CurrentUser() auth: AuthUser, @Param('id', crmId) id: string): Promise<void> {
    return this.crm.remove(auth, id);
  }

  @Get(':id/authorize')
  @Roles('admin')
  authorize(@CurrentUser() auth: AuthUser, @Param('id', crmId) id: string): Promise<{ authorizeUrl: string }> {
    return this.crm.authorizeUrl(auth, id);
  }

  @Get(':id/pipelines')
  pipelines(@CurrentUser() auth: AuthUser, @Param('id', crmId) id: string): Promise<CrmPipelineDto[]> {
    return this.crm.pipelines(auth, id);
  }

  @Get(':id/users')
  users(@CurrentUser() auth: AuthUser, @Param('id', crmId) id: string): Promise<CrmUserDto[]> {
    return this.crm.users(auth, id);
  }

  @Post(':id/retry')
  @Roles('admin')
  @HttpCode(204)
  retry(@CurrentUser() auth: AuthUser, @Param('id', crmId) id: string): Promise<void> {
    return this.crm.retry(auth, id);
  }
}

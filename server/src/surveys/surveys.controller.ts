import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ConversationSurveyDto, SurveySettings } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { SurveySettingsBody } from './surveys.dto';
import { SurveysService } from './surveys.service';

const conversationId = uuidPipe('Conversation');

@ApiTags('surveys')
@ApiBearerAuth()
@Controller('api')
export class SurveysController {
  constructor(private readonly surveys: SurveysService) {}

  @Get('surveys/settings')
  settings(@CurrentUser() auth: AuthUser): Promise<SurveySettings> {
    return this.surveys.getSettings(auth);
  }

  @Put('surveys/settings')
  @Roles('admin')
  save(@CurrentUser() auth: AuthUser, @Body() body: SurveySettingsBody): Promise<SurveySettings> {
    return this.surveys.saveSettings(auth, body);
  }

  @Get('conversations/:id/surveys')
  async list(
    @CurrentUser() auth: AuthUser,
    @Param('id', conversationId) id: string,
  ): Promise<{ items: ConversationSurveyDto[] }> {
    return { items: await this.surveys.listForConversation(auth, id) };
  }
}

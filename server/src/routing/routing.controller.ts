import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ChannelDto, OfferDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { uuidPipe } from '../common/uuid.pipe';
import { ChannelRoutingBody, TransferBody } from './routing.dto';
import { RoutingService } from './routing.service';

@ApiTags('routing')
@ApiBearerAuth()
@Controller('api')
export class RoutingController {
  constructor(private readonly routing: RoutingService) {}

  @Put('channels/:id/routing')
  @Roles('admin')
  setChannelRouting(
    @CurrentUser() auth: AuthUser,
    @Param('id', uuidPipe('Channel')) id: string,
    @Body() body: ChannelRoutingBody,
  ): Promise<ChannelDto> {
    return this.routing.setChannelRouting(auth, id, body);
  }

  /** The caller's offers still waiting for an answer (the app restores its offer cards from it). */
  @Get('offers/pending')
  pending(@CurrentUser() auth: AuthUser): Promise<OfferDto[]> {
    return this.routing.pendingOffers(auth);
  }

  @Post('offers/:id/accept')
  @HttpCode(204)
  accept(@CurrentUser() auth: AuthUser, @Param('id', uuidPipe('Offer')) id: string): Promise<void> {
    return this.routing.accept(auth, id);
  }

  @Post('offers/:id/decline')
  @HttpCode(204)
  decline(@CurrentUser() auth: AuthUser, @Param('id', uuidPipe('Offer')) id: string): Promise<void> {
    return this.routing.decline(auth, id);
  }

  @Post('conversations/:id/transfer')
  @HttpCode(204)
  transfer(
    @CurrentUser() auth: AuthUser,
    @Param('id', uuidPipe('Conversation')) id: string,
    @Body() body: TransferBody,
  ): Promise<void> {
    return this.routing.transfer(auth, id, body);
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, ModuleRef } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AnalyticsRefresher } from './analytics/analytics-refresher.service';
import { AnalyticsExport } from './analytics/analytics-export.service';
import { AnalyticsController } from './analytics/analytics.controller';
import { AnalyticsRepository } from './analytics/analytics.repository';
import { AnalyticsService } from './analytics/analytics.service';
import { SettledVerdictsRepository } from './analytics/settled-verdicts.repository';
import { CycleFactsRepository } from './analytics/cycle-facts.repository';
import { AttachmentsController } from './attachments/attachments.controller';
import { AttachmentsRepository } from './attachments/attachments.repository';
import { AttachmentsService } from './attachments/attachments.service';
import { AgentAuthenticator } from './auth/agent-authenticator';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { LoginRateLimiter } from './auth/login-rate-limiter';
import { PasswordHasher } from './auth/password-hasher';
import { jwtSecret, TokenService } from './auth/token.service';
import { CannedResponsesController } from './canned/canned-responses.controller';
import { CannedResponsesRepository } from './canned/canned-responses.repository';
import { CannedResponsesService } from './canned/canned-responses.service';
import { ChannelsController } from './channels/channels.controller';
import { ChannelsRepository } from './channels/channels.repository';
import { ChannelsService } from './channels/channels.service';
import { ClusterModule } from './cluster/cluster.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { ContactsController } from './contacts/contacts.controller';
import { ContactsRepository } from './contacts/contacts.repository';
import { ContactsService } from './contacts/contacts.service';
import { ConversationEventsRepository } from './conversations/conversation-events.repository';
import { ConversationPublisher } from './conversations/conversation-publisher.service';
import { ConversationsController } from './conversations/conversations.controller';
import { ConversationsRepository } from './conversations/conversations.repository';
import { ConversationsService } from './conversations/conversations.service';
import { MessagesRepository } from './conversations/messages.repository';
import { CrmCatalog } from './crm/crm-catalog.service';
import { CrmRegistry } from './crm/crm-registry.service';
import { CrmSessions } from './crm/crm-sessions.service';
import { CrmHealth } from './crm/crm-health.service';
import { CrmPacer } from './crm/crm-pacer.service';
import { CrmSyncProcessor } from './crm/crm-sync.processor';
import { CrmWebhooksController } from './crm/crm-webhooks.controller';
import { CrmWebhooksService } from './crm/crm-webhooks.service';
import { CrmController } from './crm/crm.controller';
import { CrmRepository } from './crm/crm.repository';
import { CrmService } from './crm/crm.service';
import { DealPublisher } from './crm/deal-publisher.service';
import { DealsController } from './crm/deals.controller';
import { DealsRepository } from './crm/deals.repository';
import { DealsService } from './crm/deals.service';
import { DatabaseModule } from './database/database.module';
import { CHANNEL_SENDERS } from './delivery/channel-sender';
import { DeliveryProcessor } from './delivery/delivery.processor';
import { MessengerSender } from './delivery/messenger.sender';
import { WebchatSender } from './delivery/webchat.sender';
import { InboundService } from './inbound/inbound.service';
import { ContactErasureService } from './lifecycle/contact-erasure.service';
import { ErasureRepository } from './lifecycle/erasure.repository';
import { RetentionProcessor } from './lifecycle/retention.processor';
import { RetentionRepository } from './lifecycle/retention.repository';
import { RetentionService } from './lifecycle/retention.service';
import { MediaFetchProcessor } from './media/media-fetch.processor';
import { ObservabilityModule } from './observability/observability.module';
import { MessengerRegistry } from './messengers/messenger-registry.service';
import { OutboundGuard } from './outbound/outbound-guard.service';
import { PollingService } from './polling/polling.service';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';
import { IngestRepository } from './ingest/ingest.repository';
import { IngestService } from './ingest/ingest.service';
import { JOB_PROCESSORS, type JobProcessor, type JobProcessors } from './jobs/job-processor';
import { JobWorkerService } from './jobs/job-worker.service';
import { JobsRepository } from './jobs/jobs.repository';
import { AgentGateway } from './realtime/agent.gateway';
import { PresenceController } from './presence/presence.controller';
import { PresenceRepository } from './presence/presence.repository';
import { PresenceService } from './presence/presence.service';
import { OfferRouter } from './routing/offer-router';
import { OfferSettlement } from './routing/offer-settlement.service';
import { RoutingPublisher } from './routing/routing-publisher.service';
import { RoutingController } from './routing/routing.controller';
import { RoutingProcessor } from './routing/routing.processor';
import { RoutingRepository } from './routing/routing.repository';
import { RoutingService } from './routing/routing.service';
import { RealtimeService } from './realtime/realtime.service';
import { WebchatGateway } from './realtime/webchat.gateway';
import { DemoService } from './site/demo.service';
import { SiteController } from './site/site.controller';
import { TagsController } from './tags/tags.controller';
import { TagsRepository } from './tags/tags.repository';
import { TagsService } from './tags/tags.service';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';
import { TimersProcessor } from './timers/timers.processor';
import { TimersRepository } from './timers/timers.repository';
import { TimersService } from './timers/timers.service';
import { WebchatUploadsController } from './webchat/webchat-uploads.controller';
import { WebchatService } from './webchat/webchat.service';
import { WidgetSessionLimiter } from './webchat/widget-session-limiter';
import { AutomatedMessages } from './workflow/automated-messages';
import { BotController } from './bot/bot.controller';
import { BotProcessor } from './bot/bot.processor';
import { BotRepository } from './bot/bot.repository';
import { BotService } from './bot/bot.service';
import { MentionsController } from './notes/mentions.controller';
import { MentionsRepository } from './notes/mentions.repository';
import { NotesService } from './notes/notes.service';
import { SearchController } from './search/search.controller';
import { SearchRepository } from './search/search.repository';
import { SearchService } from './search/search.service';
import { SecretKeyCheck } from './secrets/secret-key-check.service';
import { SecretsRepository } from './secrets/secrets.repository';
import { SurveysController } from './surveys/surveys.controller';
import { SurveysProcessor } from './surveys/surveys.processor';
import { SurveysRepository } from './surveys/surveys.repository';
import { SurveysService } from './surveys/surveys.service';
import { ProactiveController } from './proactive/proactive.controller';
import { ProactiveRepository } from './proactive/proactive.repository';
import { ProactiveService } from './proactive/proactive.service';
import { ChannelWorkingHoursController } from './workspace-settings/channel-working-hours.controller';
import { WorkspaceSettingsController } from './workspace-settings/workspace-settings.controller';
import { WorkspaceSettingsRepository } from './workspace-settings/workspace-settings.repository';
import { WorkspaceSettingsService } from './workspace-settings/workspace-settings.service';
import { BootstrapService } from './workspaces/bootstrap.service';
import { WorkspacesRepository } from './workspaces/workspaces.repository';

/** The whole server, built from a validated config (tests pass their own). */
@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        {
          module: ConfigHolderModule,
          global: true,
          providers: [{ provide: APP_CONFIG, useValue: config }],
          exports: [APP_CONFIG],
        },
        DatabaseModule,
        ClusterModule,
        ObservabilityModule,
        JwtModule.register({ secret: jwtSecret(config.secretKey) }),
      ],
      controllers: [
        AuthController,
        UsersController,
        ChannelsController,
        ConversationsController,
        AttachmentsController,
        WebchatUploadsController,
        SiteController,
        AnalyticsController,
        CrmWebhooksController,
        WebhooksController,
        CrmController,
        DealsController,
        TagsController,
        CannedResponsesController,
        ContactsController,
        BotController,
        SearchController,
        MentionsController,
        WorkspaceSettingsController,
        ChannelWorkingHoursController,
        SurveysController,
        ProactiveController,
        PresenceController,
        RoutingController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        LoginRateLimiter,
        WidgetSessionLimiter,
        AuthService,
        AgentAuthenticator,
        PasswordHasher,
        TokenService,
        UsersRepository,
        UsersService,
        WorkspacesRepository,
        BootstrapService,
        SecretsRepository,
        SecretKeyCheck,
        ChannelsRepository,
        ChannelsService,
        ContactsRepository,
        ContactsService,
        ConversationsRepository,
        MessagesRepository,
        ConversationEventsRepository,
        ConversationPublisher,
        ConversationsService,
        AttachmentsRepository,
        AttachmentsService,
        IngestService,
        IngestRepository,
        JobsRepository,
        JobWorkerService,
        DeliveryProcessor,
        WebchatSender,
        MessengerSender,
        MessengerRegistry,
        OutboundGuard,
        InboundService,
        WebhooksService,
        PollingService,
        MediaFetchProcessor,
        CrmRepository,
        DealsRepository,
        CrmRegistry,
        CrmSessions,
        CrmCatalog,
        CrmService,
        DealsService,
        DealPublisher,
        CrmHealth,
        CrmPacer,
        CrmSyncProcessor,
        CrmWebhooksService,
        TagsRepository,
        TagsService,
        CannedResponsesRepository,
        CannedResponsesService,
        BotRepository,
        BotService,
        BotProcessor,
        SearchRepository,
        SearchService,
        MentionsRepository,
        NotesService,
        {
          provide: CHANNEL_SENDERS,
          inject: [WebchatSender, MessengerSender],
          useFactory: (webchat: WebchatSender, messengers: MessengerSender) => [webchat, messengers],
        },
        {
          provide: JOB_PROCESSORS,
          // Resolved when the worker starts: processors use services that nudge the worker.
          inject: [ModuleRef],
          useFactory:
            (ref: ModuleRef): JobProcessors =>
            () =>
              [
                DeliveryProcessor,
                MediaFetchProcessor,
                CrmSyncProcessor,
                TimersProcessor,
                SurveysProcessor,
                RoutingProcessor,
                BotProcessor,
                RetentionProcessor,
              ].map((type) => ref.get<JobProcessor>(type)),
        },
        RealtimeService,
        AgentGateway,
        WebchatGateway,
        WebchatService,
        DemoService,
        AutomatedMessages,
        CycleFactsRepository,
        SettledVerdictsRepository,
        AnalyticsRefresher,
        AnalyticsRepository,
        AnalyticsService,
        AnalyticsExport,
        PresenceRepository,
        PresenceService,
        RoutingRepository,
        OfferRouter,
        OfferSettlement,
        RoutingPublisher,
        RoutingService,
        RoutingProcessor,
        SurveysRepository,
        SurveysService,
        SurveysProcessor,
        ProactiveRepository,
        ProactiveService,
        WorkspaceSettingsRepository,
        WorkspaceSettingsService,
        TimersRepository,
        TimersService,
        TimersProcessor,
        RetentionRepository,
        RetentionService,
        RetentionProcessor,
        ErasureRepository,
        ContactErasureService,
      ],
    };
  }
}

@Module({})
class ConfigHolderModule {}

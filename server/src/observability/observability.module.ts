import { Global, Inject, Module, type MiddlewareConsumer, type NestModule, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { RealtimeService } from '../realtime/realtime.service';
import { MetricsService } from './metrics.service';
import { ObservabilityController } from './observability.controller';
import { ObservabilityRepository } from './observability.repository';
import { ReadinessService } from './readiness.service';
import { WebhookTimingMiddleware } from './webhook-timing.middleware';

/**
 * `/metrics` (the Prometheus registry of this app, default process metrics included) and
 * `/ready`. Features count what happens through `MetricsService`; queue depths and socket
 * counts are read when Prometheus scrapes.
 */
@Global()
@Module({
  controllers: [ObservabilityController],
  providers: [MetricsService, ObservabilityRepository, ReadinessService, WebhookTimingMiddleware],
  exports: [MetricsService],
})
export class ObservabilityModule implements NestModule, OnModuleInit {
  constructor(
    @Inject(MetricsService) private readonly metrics: MetricsService,
    private readonly repository: ObservabilityRepository,
    private readonly modules: ModuleRef,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WebhookTimingMiddleware).forRoutes('webhooks/*path');
  }

  onModuleInit(): void {
    // The realtime service lives in the app module; the gauges only read its socket counts.
    const realtime = this.modules.get(RealtimeService, { strict: false });
    this.metrics.readFrom({
      deliveryQueue: () => this.repository.deliveryQueue(),
      crmBacklog: () => this.repository.crmBacklog(),
      sockets: () => realtime.localConnections(),
    });
  }
}

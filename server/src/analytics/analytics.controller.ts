import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type {
  AgentPerformanceResponse,
  AnalyticsCyclesResponse,
  AnalyticsDistributionResponse,
  AnalyticsHeatmapResponse,
  AnalyticsSummaryResponse,
  AnalyticsTimeseriesResponse,
} from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import {
  AnalyticsCyclesQuery,
  AnalyticsFilterQuery,
  AnalyticsMetricCyclesQuery,
  AnalyticsSummaryQuery,
  AnalyticsTimeseriesQuery,
} from './analytics.dto';
import { AnalyticsExport } from './analytics-export.service';
import { AnalyticsService } from './analytics.service';

const CSV = 'text/csv; charset=utf-8';

@ApiTags('analytics')
@ApiBearerAuth()
@Roles('head', 'admin')
@Controller('api/analytics')
export class AnalyticsController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly exports: AnalyticsExport,
  ) {}

  @Get('summary')
  summary(@CurrentUser() auth: AuthUser, @Query() query: AnalyticsSummaryQuery): Promise<AnalyticsSummaryResponse> {
    return this.analytics.summary(auth, query);
  }

  @Get('timeseries')
  timeseries(
    @CurrentUser() auth: AuthUser,
    @Query() query: AnalyticsTimeseriesQuery,
  ): Promise<AnalyticsTimeseriesResponse> {
    return this.analytics.timeseries(auth, query);
  }

  @Get('cycles')
  cycles(@CurrentUser() auth: AuthUser, @Query() query: AnalyticsCyclesQuery): Promise<AnalyticsCyclesResponse> {
    return this.analytics.cycles(auth, query);
  }

  @Get('heatmap')
  heatmap(@CurrentUser() auth: AuthUser, @Query() query: AnalyticsFilterQuery): Promise<AnalyticsHeatmapResponse> {
    return this.analytics.heatmap(auth, query);
  }

  @Get('distribution')
  distribution(
    @CurrentUser() auth: AuthUser,
    @Query() query: AnalyticsFilterQuery,
  ): Promise<AnalyticsDistributionResponse> {
    return this.analytics.distribution(auth, query);
  }

  @Get('agents')
  agents(@CurrentUser() auth: AuthUser, @Query() query: AnalyticsFilterQuery): Promise<AgentPerformanceResponse> {
    return this.analytics.agents(auth, query);
  }

  @Get('conversations.csv')
  @Header('Content-Type', CSV)
  @Header('Content-Disposition', 'attachment; filename="onebox-conversations.csv"')
  conversationsCsv(@CurrentUser() auth: AuthUser, @Query() query: AnalyticsMetricCyclesQuery): Promise<string> {
    return this.exports.conversations(auth, query);
  }

  @Get('summary.csv')
  @Header('Content-Type', CSV)
  @Header('Content-Disposition', 'attachment; filename="onebox-summary.csv"')
  summaryCsv(@CurrentUser() auth: AuthUser, @Query() query: AnalyticsSummaryQuery): Promise<string> {
    return this.exports.summary(auth, query);
  }

  @Get('agents.csv')
  @Header('Content-Type', CSV)
  @Header('Content-Disposition', 'attachment; filename="onebox-agents.csv"')
  agentsCsv(@CurrentUser() auth: AuthUser, @Query() query: AnalyticsFilterQuery): Promise<string> {
    return this.exports.agents(auth, query);
  }
}

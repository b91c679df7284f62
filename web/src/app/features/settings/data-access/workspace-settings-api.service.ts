import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  ChannelWorkingHoursDto,
  UpdateWorkspaceSettingsRequest,
  WeeklySchedule,
  WorkspaceSettingsDto,
} from '@onebox/contracts';
import { Observable } from 'rxjs';

/** Workspace settings (thresholds, windows, working hours, after-hours reply) and channels' own hours. */
@Injectable({ providedIn: 'root' })
export class WorkspaceSettingsApi {
  private readonly http = inject(HttpClient);

  get(): Observable<WorkspaceSettingsDto> {
    return this.http.get<WorkspaceSettingsDto>('/api/workspace/settings');
  }

  /** Only the fields given change. */
  update(body: UpdateWorkspaceSettingsRequest): Observable<WorkspaceSettingsDto> {
    return this.http.put<WorkspaceSettingsDto>('/api/workspace/settings', body);
  }

  channelHours(channelId: string): Observable<ChannelWorkingHoursDto> {
    return this.http.get<ChannelWorkingHoursDto>(`/api/channels/${encodeURIComponent(channelId)}/working-hours`);
  }

  /** Null goes back to the workspace's hours. */
  setChannelHours(channelId: string, workingHours: WeeklySchedule | null): Observable<ChannelWorkingHoursDto> {
    return this.http.put<ChannelWorkingHoursDto>(`/api/channels/${encodeURIComponent(channelId)}/working-hours`, {
      workingHours,
    });
  }
}

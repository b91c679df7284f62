import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  ChannelTypeDto,
  CreateCrmRequest,
  CrmConnectionDto,
  CrmPipelineDto,
  CrmUserDto,
  UpdateCrmRequest,
} from '@onebox/contracts';
import { Observable } from 'rxjs';

/** A CRM the server can connect and the settings it asks for (`GET /api/crm/types`). */
export interface CrmTypeDto {
  type: CrmConnectionDto['type'];
  /**
   * Declared like a channel's credentials, so the same form rules apply: the settings of the
   * long-lived token (amoCRM) / incoming webhook (Bitrix24) way to connect.
   */
  settingsFields: ChannelTypeDto['credentialFields'];
  /**
   * The OAuth app's settings (client id, client secret…); empty when the CRM has no OAuth.
   * Their `required` binds only when the admin connects with OAuth.
   */
  oauthFields: ChannelTypeDto['credentialFields'];
}

/** HTTP calls of the CRM settings: connecting, configuring and watching the sync of the workspace's CRM. */
@Injectable({ providedIn: 'root' })
export class CrmApi {
  private readonly http = inject(HttpClient);

  /** Each CRM with its settings fields: the "connect a CRM" form is generated from it. */
  types(): Observable<CrmTypeDto[]> {
    return this.http.get<CrmTypeDto[]>('/api/crm/types');
  }

  /** The workspace's connections; at most one in practice. */
  list(): Observable<CrmConnectionDto[]> {
    return this.http.get<CrmConnectionDto[]>('/api/crm');
  }

  /**
   * Checks the settings with the CRM before answering, so it can take a few seconds. With OAuth
   * settings it answers at once with `status: 'authorizing'` and the `authorizeUrl` to send the admin to.
   */
  create(body: CreateCrmRequest): Observable<CrmConnectionDto> {
    return this.http.post<CrmConnectionDto>('/api/crm', body);
  }

  update(id: string, body: UpdateCrmRequest): Observable<CrmConnectionDto> {
    return this.http.patch<CrmConnectionDto>(`/api/crm/${encodeURIComponent(id)}`, body);
  }

  remove(id: string): Observable<unknown> {
    return this.http.delete(`/api/crm/${encodeURIComponent(id)}`);
  }

  pipelines(id: string): Observable<CrmPipelineDto[]> {
    return this.http.get<CrmPipelineDto[]>(`/api/crm/${encodeURIComponent(id)}/pipelines`);
  }

  users(id: string): Observable<CrmUserDto[]> {
    return this.http.get<CrmUserDto[]>(`/api/crm/${encodeURIComponent(id)}/users`);
  }

  /** A fresh OAuth consent link; 409 `not_oauth` for a connection made with a token / webhook. */
  authorize(id: string): Observable<{ authorizeUrl: string }> {
    return this.http.get<{ authorizeUrl: string }>(`/api/crm/${encodeURIComponent(id)}/authorize`);
  }

  /** Queues the failed sync jobs again; answers 204. */
  retry(id: string): Observable<unknown> {
    return this.http.post(`/api/crm/${encodeURIComponent(id)}/retry`, {});
  }
}

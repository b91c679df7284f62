import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ChannelDto, ChannelTypeDto, CreateChannelRequest, CreateUserRequest, UserDto } from '@onebox/contracts';
import { Observable } from 'rxjs';

@Injectable({ providedIn: 'root' })
export class SettingsApi {
  private readonly http = inject(HttpClient);

  channels(): Observable<ChannelDto[]> {
    return this.http.get<ChannelDto[]>('/api/channels');
  }

  /** Each channel type with the credentials it asks for: the "connect a channel" form is generated from it. */
  channelTypes(): Observable<ChannelTypeDto[]> {
    return this.http.get<ChannelTypeDto[]>('/api/channels/types');
  }

  /** Checks the credentials with the platform before answering, so it can take a few seconds. */
  createChannel(body: CreateChannelRequest): Observable<ChannelDto> {
    return this.http.post<ChannelDto>('/api/channels', body);
  }

  deleteChannel(id: string): Observable<unknown> {
    return this.http.delete(`/api/channels/${encodeURIComponent(id)}`);
  }

  users(): Observable<UserDto[]> {
    return this.http.get<UserDto[]>('/api/users');
  }

  createUser(body: CreateUserRequest): Observable<UserDto> {
    return this.http.post<UserDto>('/api/users', body);
  }
}

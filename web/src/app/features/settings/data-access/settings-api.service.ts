import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ChannelDto, CreateChannelRequest, CreateUserRequest, UserDto } from '@onebox/contracts';
import { Observable } from 'rxjs';

@Injectable({ providedIn: 'root' })
export class SettingsApi {
  private readonly http = inject(HttpClient);

  channels(): Observable<ChannelDto[]> {
    return this.http.get<ChannelDto[]>('/api/channels');
  }

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

import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  ChannelDto,
  TransferRequest,
  UpdateChannelRoutingRequest,
  UpdateUserRequest,
  UserDto,
} from '@onebox/contracts';
import type { Observable } from 'rxjs';

/** Routing endpoints: transfers, a channel's routing mode, a user's capacity. */
@Injectable({ providedIn: 'root' })
export class RoutingApi {
  private readonly http = inject(HttpClient);

  users(): Observable<UserDto[]> {
    return this.http.get<UserDto[]>('/api/users');
  }

  transfer(conversationId: string, body: TransferRequest): Observable<unknown> {
    return this.http.post(`/api/conversations/${encodeURIComponent(conversationId)}/transfer`, body);
  }

  setChannelRouting(channelId: string, body: UpdateChannelRoutingRequest): Observable<ChannelDto> {
    return this.http.put<ChannelDto>(`/api/channels/${encodeURIComponent(channelId)}/routing`, body);
  }

  updateUser(userId: string, body: UpdateUserRequest): Observable<UserDto> {
    return this.http.patch<UserDto>(`/api/users/${encodeURIComponent(userId)}`, body);
  }
}

import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ChangePasswordRequest, ChangePasswordResponse } from '@onebox/contracts';
import { Observable } from 'rxjs';

/** The signed-in user's own account. */
@Injectable({ providedIn: 'root' })
export class AccountApi {
  private readonly http = inject(HttpClient);

  /** Ends every other session of the user; the answer is the token that keeps this one. */
  changePassword(body: ChangePasswordRequest): Observable<ChangePasswordResponse> {
    return this.http.post<ChangePasswordResponse>('/api/me/password', body);
  }
}

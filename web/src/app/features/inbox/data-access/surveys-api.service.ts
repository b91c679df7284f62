import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { ConversationSurveyDto, ProactiveTrigger, SurveySettings } from '@onebox/contracts';
import { Observable, map } from 'rxjs';

/** HTTP calls for surveys (settings, a conversation's ratings) and a webchat channel's proactive triggers. */
@Injectable({ providedIn: 'root' })
export class SurveysApi {
  private readonly http = inject(HttpClient);

  /** The surveys sent in a conversation, oldest cycle first; `score` is null until answered. */
  listForConversation(conversationId: string): Observable<ConversationSurveyDto[]> {
    return this.http
      .get<{ items: ConversationSurveyDto[] }>(`/api/conversations/${encodeURIComponent(conversationId)}/surveys`)
      .pipe(map((r) => r.items));
  }

  settings(): Observable<SurveySettings> {
    return this.http.get<SurveySettings>('/api/surveys/settings');
  }

  /** Admins only; 400 `validation_failed` names the field. */
  saveSettings(body: SurveySettings): Observable<SurveySettings> {
    return this.http.put<SurveySettings>('/api/surveys/settings', body);
  }

  proactive(channelId: string): Observable<ProactiveTrigger[]> {
    return this.http
      .get<{ triggers: ProactiveTrigger[] }>(`/api/channels/${encodeURIComponent(channelId)}/proactive`)
      .pipe(map((r) => r.triggers));
  }

  /** Admins only; triggers without an id get one. */
  saveProactive(channelId: string, triggers: Partial<ProactiveTrigger>[]): Observable<ProactiveTrigger[]> {
    return this.http
      .put<{ triggers: ProactiveTrigger[] }>(`/api/channels/${encodeURIComponent(channelId)}/proactive`, { triggers })
      .pipe(map((r) => r.triggers));
  }
}

import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import type { ConversationSurveyDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { AgentSocketService } from '../../../core/socket/agent-socket.service';
import { FakeSocket, provideFakeSocket } from '../../../../testing/fake-socket';
import { SurveyRatingsComponent } from './survey-ratings.component';

function survey(over: Partial<ConversationSurveyDto> = {}): ConversationSurveyDto {
  return {
    id: 's1',
    kind: 'csat',
    cycle: 1,
    managerId: 'u1',
    sentAt: '2025-03-01T10:00:00.000Z',
    score: 4,
    comment: null,
    answeredAt: '2025-03-01T10:05:00.000Z',
    ...over,
  };
}

describe(SurveyRatingsComponent.name, () => {
  let fixture: ComponentFixture<SurveyRatingsComponent>;
  let http: HttpTestingController;
  let sockets: FakeSocket[];

  async function render(lang: 'en' | 'ru' = 'en'): Promise<void> {
    sockets = [];
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideFakeSocket(sockets)],
    });
    TestBed.inject(I18nService).setLang(lang);
    TestBed.inject(AgentSocketService).connect(() => 't');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(SurveyRatingsComponent);
    fixture.componentRef.setInput('conversationId', 'c1');
    await fixture.whenStable();
  }

  afterEach(() => http.verify());

  const ratings = () =>
    Array.from((fixture.nativeElement as HTMLElement).querySelectorAll<HTMLElement>('[data-testid="survey-rating"]'));

  it('shows the answered surveys of the conversation with score, scale, cycle and comment', async () => {
    await render();
    http.expectOne({ method: 'GET', url: '/api/conversations/c1/surveys' }).flush({
      items: [
        survey(),
        survey({ id: 's2', kind: 'nps', cycle: 2, score: 9, comment: 'Fast <b>and</b> kind' }),
        survey({ id: 's3', cycle: 3, score: null, answeredAt: null }),
      ],
    });
    await fixture.whenStable();

    expect(ratings().map((r) => [r.dataset['kind'], r.dataset['score'], r.dataset['cycle']])).toEqual([
      ['csat', '4', '1'],
      ['nps', '9', '2'],
    ]);
    expect(ratings()[0].textContent).toContain('CSAT 4/5');
    expect(ratings()[1].textContent).toContain('NPS 9/10');
    expect(ratings()[1].textContent).toContain('cycle 2');
    expect(ratings()[1].querySelector('q')?.textContent).toBe('Fast <b>and</b> kind');
  });

  it('adds a rating live from survey.answered for this conversation only', async () => {
    await render('ru');
    http.expectOne('/api/conversations/c1/surveys').flush({ items: [] });
    await fixture.whenStable();
    expect(ratings()).toEqual([]);

    sockets[0].serverEmit('survey.answered', { conversationId: 'other', survey: survey({ id: 'x' }) });
    sockets[0].serverEmit('survey.answered', { conversationId: 'c1', survey: survey({ kind: 'ces', score: 2 }) });
    await fixture.whenStable();

    expect(ratings().map((r) => r.dataset['score'])).toEqual(['2']);
    expect((fixture.nativeElement as HTMLElement).textContent).toContain('Оценки клиента');
  });
});

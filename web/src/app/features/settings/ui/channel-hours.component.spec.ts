import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ChannelHoursComponent } from './channel-hours.component';

describe(ChannelHoursComponent.name, () => {
  let fixture: ComponentFixture<ChannelHoursComponent>;
  let http: HttpTestingController;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ChannelHoursComponent);
    fixture.componentRef.setInput('channelId', 'ch-1');
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const q = <T extends HTMLElement = HTMLElement>(id: string) =>
    (fixture.nativeElement as HTMLElement).querySelector<T>(`[data-testid="${id}"]`);

  it('asks nothing until opened, then switches the channel to its own hours and saves them', async () => {
    expect(q('channel-hours-panel')).toBeNull();
    q<HTMLButtonElement>('channel-hours-toggle')!.click();
    await fixture.whenStable();
    http
      .expectOne({ method: 'GET', url: '/api/channels/ch-1/working-hours' })
      .flush({ channelId: 'ch-1', workingHours: null });
    await fixture.whenStable();
    expect(q<HTMLInputElement>('channel-hours-workspace')!.checked).toBe(true);
    expect(q('channel-hours-panel')).not.toBeNull();
    expect(q('channel-hours')).toBeNull(); // no editor while the workspace's hours apply

    const own = q<HTMLInputElement>('channel-hours-own')!;
    own.checked = true;
    own.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    const sunday = q<HTMLInputElement>('channel-day-sun-open')!;
    sunday.checked = true;
    sunday.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    q<HTMLButtonElement>('channel-hours-save')!.click();
    const req = http.expectOne({ method: 'PUT', url: '/api/channels/ch-1/working-hours' });
    const office = [{ from: '09:00', to: '18:00' }];
    expect(req.request.body).toEqual({
      workingHours: { mon: office, tue: office, wed: office, thu: office, fri: office, sat: [], sun: office },
    });
    req.flush({ channelId: 'ch-1', workingHours: req.request.body.workingHours });
  });

  it('goes back to the workspace hours with null', async () => {
    q<HTMLButtonElement>('channel-hours-toggle')!.click();
    await fixture.whenStable();
    http
      .expectOne('/api/channels/ch-1/working-hours')
      .flush({ channelId: 'ch-1', workingHours: { mon: [{ from: '10:00', to: '12:00' }] } });
    await fixture.whenStable();
    expect(q<HTMLInputElement>('channel-day-mon-from')!.value).toBe('10:00');
    const workspace = q<HTMLInputElement>('channel-hours-workspace')!;
    workspace.checked = true;
    workspace.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    q<HTMLButtonElement>('channel-hours-save')!.click();
    const req = http.expectOne({ method: 'PUT', url: '/api/channels/ch-1/working-hours' });
    expect(req.request.body).toEqual({ workingHours: null });
    req.flush({ channelId: 'ch-1', workingHours: null });
  });
});

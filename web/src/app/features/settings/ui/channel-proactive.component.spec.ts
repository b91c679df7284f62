import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ChannelProactiveComponent } from './channel-proactive.component';

describe(ChannelProactiveComponent.name, () => {
  let fixture: ComponentFixture<ChannelProactiveComponent>;
  let http: HttpTestingController;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ChannelProactiveComponent);
    fixture.componentRef.setInput('channelId', 'ch1');
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends HTMLElement = HTMLElement>(id: string) => el().querySelector<T>(`[data-testid="${id}"]`)!;
  const qa = (id: string) => Array.from(el().querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));

  async function type(input: HTMLInputElement | HTMLTextAreaElement, value: string): Promise<void> {
    input.value = value;
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
  }

  it('loads the triggers, adds one and saves them all, showing field errors from the server', async () => {
    http.expectOne({ method: 'GET', url: '/api/channels/ch1/proactive' }).flush({
      triggers: [{ id: 'pricing', name: 'Pricing', enabled: true, urlPattern: '/pricing', message: 'Need a quote?' }],
    });
    await fixture.whenStable();
    expect(qa('proactive-trigger')).toHaveLength(1);
    expect(q<HTMLInputElement>('proactive-url').value).toBe('/pricing');

    q('proactive-add').click();
    await fixture.whenStable();
    const [, second] = qa('proactive-trigger');
    await type(second.querySelector<HTMLInputElement>('[data-testid="proactive-name"]')!, 'Back');
    await type(second.querySelector<HTMLTextAreaElement>('[data-testid="proactive-message"]')!, 'Welcome back!');
    second.querySelector<HTMLInputElement>('[data-testid="proactive-returning"]')!.click();
    await fixture.whenStable();

    q<HTMLFormElement>('channel-proactive').dispatchEvent(new Event('submit'));
    const put = http.expectOne({ method: 'PUT', url: '/api/channels/ch1/proactive' });
    expect(put.request.body).toEqual({
      triggers: [
        { id: 'pricing', name: 'Pricing', enabled: true, urlPattern: '/pricing', message: 'Need a quote?' },
        { name: 'Back', enabled: true, secondsOnPage: 30, returningVisitor: true, message: 'Welcome back!' },
      ],
    });
    put.flush(
      {
        code: 'validation_failed',
        message: 'Invalid fields',
        details: [{ field: 'triggers.1.secondsOnPage', message: 'secondsOnPage must not be greater than 3600' }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(el().textContent).toContain('secondsOnPage must not be greater than 3600');
  });
});

import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { TagDto } from '@onebox/contracts';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ToastService } from '../../../core/toast/toast.service';
import { TagsStore } from '../../../shared/data-access/tags.store';
import { TagsSettingsComponent } from './tags-settings.component';

const VIP: TagDto = { id: 't-vip', name: 'vip', color: '#ff0000', createdAt: '2025-01-01T00:00:00.000Z' };

describe(TagsSettingsComponent.name, () => {
  let fixture: ComponentFixture<TagsSettingsComponent>;
  let http: HttpTestingController;

  beforeEach(async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    TestBed.inject(I18nService).setLang('en');
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(TagsSettingsComponent);
    await fixture.whenStable();
    http.expectOne('/api/tags').flush([VIP]);
    await fixture.whenStable();
  });

  afterEach(() => {
    jest.restoreAllMocks();
    http.verify();
  });

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends HTMLElement = HTMLElement>(testId: string, root: Element = el()) =>
    root.querySelector(`[data-testid="${testId}"]`) as T;
  const items = () => Array.from(el().querySelectorAll<HTMLElement>('[data-testid="tag-item"]'));

  function fill(testId: string, value: string, event = 'input'): void {
    const input = q<HTMLInputElement>(testId);
    input.value = value;
    input.dispatchEvent(new Event(event));
  }

  it('lists the tags with their colour', () => {
    expect(items()).toHaveLength(1);
    expect(q<HTMLInputElement>('tag-name', items()[0]).value).toBe('vip');
    expect(q<HTMLInputElement>('tag-color', items()[0]).value).toBe('#ff0000');
  });

  it('creates a tag with the name and the picked colour', async () => {
    fill('tag-new-name', '  Wholesale ');
    fill('tag-new-color', '#00aa00');
    await fixture.whenStable();
    q('tag-create').click();
    const req = http.expectOne('/api/tags');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ name: 'Wholesale', color: '#00aa00' });
    req.flush({ id: 't-w', name: 'Wholesale', color: '#00aa00', createdAt: '2025-01-02T00:00:00.000Z' });
    await fixture.whenStable();
    expect(items().map((i) => q<HTMLInputElement>('tag-name', i).value)).toEqual(['vip', 'Wholesale']);
    expect(TestBed.inject(TagsStore).colorOf('Wholesale')).toBe('#00aa00');
    expect(q<HTMLInputElement>('tag-new-name').value).toBe('');
  });

  it('requires a name before posting', async () => {
    q('tag-create').click();
    await fixture.whenStable();
    expect(q('error-name').textContent).toContain('Required');
  });

  it('shows the server field errors and the name taken (409)', async () => {
    fill('tag-new-name', 'x');
    q('tag-create').click();
    http
      .expectOne('/api/tags')
      .flush(
        { code: 'validation_failed', message: 'Invalid', details: [{ field: 'color', message: 'Must be #rrggbb' }] },
        { status: 400, statusText: 'Bad Request' },
      );
    await fixture.whenStable();
    expect(q('error-color').textContent).toContain('Must be #rrggbb');

    fill('tag-new-name', 'vip');
    q('tag-create').click();
    http
      .expectOne('/api/tags')
      .flush(
        { code: 'tag_exists', message: 'Exists', details: [{ field: 'name', message: 'Exists' }] },
        { status: 409, statusText: 'Conflict' },
      );
    await fixture.whenStable();
    expect(q('error-name').textContent).toContain('A tag with this name already exists.');
  });

  it('renames on blur and recolours on change', async () => {
    const name = q<HTMLInputElement>('tag-name', items()[0]);
    name.value = 'VIP client';
    name.dispatchEvent(new Event('blur'));
    const rename = http.expectOne('/api/tags/t-vip');
    expect(rename.request.method).toBe('PATCH');
    expect(rename.request.body).toEqual({ name: 'VIP client' });
    rename.flush({ ...VIP, name: 'VIP client' });
    await fixture.whenStable();

    const color = q<HTMLInputElement>('tag-color', items()[0]);
    color.value = '#123456';
    color.dispatchEvent(new Event('change'));
    const recolour = http.expectOne('/api/tags/t-vip');
    expect(recolour.request.body).toEqual({ color: '#123456' });
    recolour.flush({ message: 'nope', code: 'validation_failed' }, { status: 400, statusText: 'Bad Request' });
    await fixture.whenStable();
    expect(color.value).toBe('#ff0000');
    expect(TestBed.inject(ToastService).toasts().at(-1)?.kind).toBe('error');
  });

  it('deletes after a confirmation', async () => {
    const confirm = jest.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    q('tag-delete', items()[0]).click();
    http.expectNone('/api/tags/t-vip');
    q('tag-delete', items()[0]).click();
    expect(confirm).toHaveBeenCalledWith('Delete tag "vip"? It is removed from every conversation.');
    const req = http.expectOne('/api/tags/t-vip');
    expect(req.request.method).toBe('DELETE');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await fixture.whenStable();
    expect(items()).toHaveLength(0);
  });
});

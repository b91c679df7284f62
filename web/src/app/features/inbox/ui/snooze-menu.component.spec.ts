import { ComponentFixture, TestBed } from '@angular/core/testing';
import { I18nService } from '../../../core/i18n/i18n.service';
import { SnoozeMenuComponent, snoozePresets, toLocalInputValue } from './snooze-menu.component';

describe(SnoozeMenuComponent.name, () => {
  let fixture: ComponentFixture<SnoozeMenuComponent>;
  let chosen: Date[];

  beforeEach(async () => {
    localStorage.clear();
    TestBed.inject(I18nService).setLang('en');
    fixture = TestBed.createComponent(SnoozeMenuComponent);
    chosen = [];
    fixture.componentInstance.snooze.subscribe((d) => chosen.push(d));
    await fixture.whenStable();
  });

  const q = <T extends HTMLElement = HTMLElement>(id: string) =>
    (fixture.nativeElement as HTMLElement).querySelector<T>(`[data-testid="${id}"]`);

  async function open(): Promise<void> {
    q<HTMLButtonElement>('snooze')!.click();
    await fixture.whenStable();
  }

  it('offers 1 hour, tomorrow 9:00, next week and a custom time', async () => {
    expect(q('snooze-menu')).toBeNull();
    await open();
    expect(q('snooze-menu')).not.toBeNull();
    expect(q('snooze-1h')!.textContent).toContain('For 1 hour');
    expect(q('snooze-tomorrow')!.textContent).toContain('Tomorrow, 9:00');
    expect(q('snooze-next-week')!.textContent).toContain('Next week');
    expect(q('snooze-custom-input')).not.toBeNull();
  });

  it('emits an hour from now for the first preset and closes', async () => {
    await open();
    const before = Date.now();
    q<HTMLButtonElement>('snooze-1h')!.click();
    await fixture.whenStable();
    expect(chosen).toHaveLength(1);
    expect(chosen[0].getTime() - before).toBeGreaterThanOrEqual(3_600_000 - 5);
    expect(chosen[0].getTime() - before).toBeLessThan(3_600_000 + 1000);
    expect(q('snooze-menu')).toBeNull();
  });

  it('emits a custom time in the future, and refuses one in the past', async () => {
    await open();
    const input = q<HTMLInputElement>('snooze-custom-input')!;
    input.value = toLocalInputValue(new Date(Date.now() - 3_600_000));
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
    q<HTMLButtonElement>('snooze-custom-apply')!.click();
    await fixture.whenStable();
    expect(chosen).toEqual([]);
    expect(q('snooze-error')!.textContent).toContain('future');

    const later = new Date(2099, 0, 15, 14, 30);
    input.value = toLocalInputValue(later);
    input.dispatchEvent(new Event('input'));
    await fixture.whenStable();
    q<HTMLButtonElement>('snooze-custom-apply')!.click();
    await fixture.whenStable();
    expect(chosen).toEqual([later]);
  });

  it('opens from the keyboard shortcut unless disabled', async () => {
    fixture.componentInstance.show();
    await fixture.whenStable();
    expect(q('snooze-menu')).not.toBeNull();
    fixture.componentRef.setInput('disabled', true);
    q<HTMLButtonElement>('snooze')!.click(); // disabled: nothing happens
    await fixture.whenStable();
  });

  describe(snoozePresets.name, () => {
    it('picks tomorrow at 9:00 and the next Monday at 9:00', () => {
      const wednesday = new Date(2026, 10, 25, 16, 20); // Wed 25 Nov 2026
      const p = snoozePresets(wednesday);
      expect(p.hour).toEqual(new Date(2026, 10, 25, 17, 20));
      expect(p.tomorrow).toEqual(new Date(2026, 10, 26, 9, 0));
      expect(p.nextWeek).toEqual(new Date(2026, 10, 30, 9, 0));
      const monday = new Date(2026, 10, 23, 8, 0);
      expect(snoozePresets(monday).nextWeek).toEqual(new Date(2026, 10, 30, 9, 0));
      const sunday = new Date(2026, 10, 29, 23, 0);
      expect(snoozePresets(sunday).nextWeek).toEqual(new Date(2026, 10, 30, 9, 0));
      expect(snoozePresets(sunday).tomorrow).toEqual(new Date(2026, 10, 30, 9, 0));
    });
  });
});

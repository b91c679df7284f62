import { ChangeDetectionStrategy, Component, inject, input, model, output } from '@angular/core';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import type { DeclaredField } from './declared-fields';

/** A declared field as shown; `testId` (also the input's id) defaults to `<idPrefix><key>`. */
export interface DeclaredFieldView extends DeclaredField {
  testId?: string;
}

/** One edit of a declared field. */
export interface DeclaredFieldChange {
  key: string;
  value: string;
}

/**
 * The inputs of fields the server declares: a label and hint in the current language, secret
 * fields masked with a show/hide toggle, and the error the parent decides to show under each.
 * Presentational: values, errors and validation stay with the parent form.
 */
@Component({
  selector: 'ob-declared-fields',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @for (f of fields(); track idOf(f)) {
      @let id = idOf(f);
      @let error = errors()[f.key];
      <div class="field">
        <label class="field__label" [for]="id">{{ text(f.label) }}</label>
        <div class="declared-field">
          <input
            class="input"
            [id]="id"
            [name]="f.key"
            [type]="f.secret && !revealed().has(f.key) ? 'password' : 'text'"
            autocomplete="off"
            spellcheck="false"
            [attr.data-testid]="id"
            [attr.aria-required]="f.required"
            [attr.aria-invalid]="!!error"
            [attr.aria-describedby]="f.hint ? id + '-hint' : null"
            [value]="values()[f.key] ?? ''"
            [disabled]="disabled()"
            (input)="valueChange.emit({ key: f.key, value: $any($event.target).value })"
            (blur)="fieldBlur.emit(f.key)"
          />
          @if (f.secret) {
            <button
              type="button"
              class="btn"
              [attr.data-testid]="id + '-toggle'"
              [attr.aria-pressed]="revealed().has(f.key)"
              [attr.aria-label]="
                (revealed().has(f.key) ? 'settings.channels.hideField' : 'settings.channels.showField')
                  | t: { field: text(f.label) }
              "
              (click)="toggleReveal(f.key)"
            >
              {{ (revealed().has(f.key) ? 'settings.channels.hide' : 'settings.channels.show') | t }}
            </button>
          }
        </div>
        @if (f.hint) {
          <span class="field__hint" [id]="id + '-hint'">{{ text(f.hint) }}</span>
        }
        @if (error) {
          <span class="field__error" [attr.data-testid]="'error-' + errorPrefix() + f.key">{{ error }}</span>
        }
      </div>
    }
  `,
  styles: `
    :host {
      display: contents;
    }
    .declared-field {
      display: flex;
      gap: 8px;
    }
    .field__hint {
      font-size: 12px;
      color: var(--text-muted);
    }
  `,
})
export class DeclaredFieldsComponent {
  private readonly i18n = inject(I18nService);

  /** The fields, in order. */
  readonly fields = input.required<readonly DeclaredFieldView[]>();
  /** Prefix of a field's id and test id when it has no `testId` of its own (e.g. `credential-`). */
  readonly idPrefix = input('');
  /** Prefix of the server's error key (`credentials.`, `settings.`): the error's test id is `error-<errorPrefix><key>`. */
  readonly errorPrefix = input('');
  /** The values by field key. */
  readonly values = input<Readonly<Record<string, string | undefined>>>({});
  /** The error to show under each field, by field key. */
  readonly errors = input<Readonly<Record<string, string | null>>>({});
  /** Locks the inputs. */
  readonly disabled = input(false);
  /** The keys of the secret fields shown in clear; the parent may reset it. */
  readonly revealed = model<ReadonlySet<string>>(new Set());
  /** A field was edited. */
  readonly valueChange = output<DeclaredFieldChange>();
  /** A field lost focus (the parent marks it touched). */
  readonly fieldBlur = output<string>();

  protected idOf(field: DeclaredFieldView): string {
    return field.testId ?? this.idPrefix() + field.key;
  }

  protected text(label: { en: string; ru: string }): string {
    return label[this.i18n.lang()] || label.en;
  }

  protected toggleReveal(key: string): void {
    this.revealed.update((keys) => {
      const next = new Set(keys);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  }
}

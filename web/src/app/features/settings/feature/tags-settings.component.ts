import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import type { TagDto, UpdateTagRequest } from '@onebox/contracts';
import { apiErrorMessage, apiErrorOf, fieldErrors } from '../../../core/api/api-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';
import { ToastService } from '../../../core/toast/toast.service';
import { TagsApi } from '../../../shared/data-access/tags-api.service';
import { TagsStore } from '../../../shared/data-access/tags.store';

const DEFAULT_COLOR = '#4f46e5';

/** The workspace's tags (admins): add one, rename or recolour inline, delete after a confirmation. */
@Component({
  selector: 'ob-tags-settings',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>{{ 'settings.tags' | t }}</h2>
    <p class="muted intro">{{ 'settings.tags.intro' | t }}</p>
    <form class="card form" data-testid="tag-form" novalidate (submit)="$event.preventDefault(); create()">
      <h3>{{ 'settings.tags.add' | t }}</h3>
      <div class="row">
        <label class="field grow">
          <span class="field__label">{{ 'settings.tags.name' | t }}</span>
          <input
            class="input"
            name="name"
            maxlength="50"
            data-testid="tag-new-name"
            [value]="name()"
            [disabled]="creating()"
            (input)="setName($any($event.target).value)"
          />
          @if (errors()['name']; as error) {
            <span class="field__error" data-testid="error-name">{{ error }}</span>
          }
        </label>
        <label class="field">
          <span class="field__label">{{ 'settings.tags.color' | t }}</span>
          <input
            class="swatch swatch--big"
            type="color"
            name="color"
            data-testid="tag-new-color"
            [value]="color()"
            [disabled]="creating()"
            (input)="setColor($any($event.target).value)"
          />
          @if (errors()['color']; as error) {
            <span class="field__error" data-testid="error-color">{{ error }}</span>
          }
        </label>
        <button class="btn btn--primary create" type="submit" data-testid="tag-create" [disabled]="creating()">
          {{ (creating() ? 'common.saving' : 'settings.tags.create') | t }}
        </button>
      </div>
    </form>
    @if (loading()) {
      <p class="muted">{{ 'common.loading' | t }}</p>
    } @else {
      <ul class="items">
        @for (tag of tags.tags(); track tag.id) {
          <li class="card item" data-testid="tag-item" [attr.data-tag-id]="tag.id">
            <input
              class="swatch"
              type="color"
              data-testid="tag-color"
              [value]="tag.color"
              [disabled]="busy().has(tag.id)"
              [attr.aria-label]="'settings.tags.colorOf' | t: { name: tag.name }"
              (change)="recolor(tag, $any($event.target))"
            />
            <input
              #nameInput
              class="input input--sm name"
              maxlength="50"
              data-testid="tag-name"
              [value]="tag.name"
              [disabled]="busy().has(tag.id)"
              [attr.aria-label]="'settings.tags.rename' | t: { name: tag.name }"
              (keydown.enter)="$event.preventDefault(); nameInput.blur()"
              (keydown.escape)="nameInput.value = tag.name; nameInput.blur()"
              (blur)="rename(tag, nameInput)"
            />
            <button
              type="button"
              class="btn btn--ghost btn--sm btn--danger"
              data-testid="tag-delete"
              [disabled]="busy().has(tag.id)"
              [attr.aria-label]="'settings.tags.deleteNamed' | t: { name: tag.name }"
              (click)="remove(tag)"
            >
              {{ 'settings.tags.delete' | t }}
            </button>
          </li>
        } @empty {
          <li class="muted" data-testid="tags-empty">{{ 'settings.tags.empty' | t }}</li>
        }
      </ul>
    }
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 16px;
      max-width: 820px;
    }
    h2 {
      margin: 0;
      font-size: 18px;
    }
    h3 {
      margin: 0;
      font-size: 14px;
    }
    .intro {
      margin: -8px 0 0;
    }
    .form {
      display: flex;
      flex-direction: column;
      gap: 12px;
    }
    .row {
      display: flex;
      align-items: flex-start;
      gap: 12px;
    }
    .grow {
      flex: 1;
    }
    .create {
      margin-top: 20px;
    }
    .items {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .item {
      display: flex;
      align-items: center;
      gap: 12px;
      padding: 8px 12px;
    }
    .name {
      flex: 1;
      max-width: 320px;
    }
    .swatch {
      width: 28px;
      height: 28px;
      padding: 0;
      border: 1px solid var(--border);
      border-radius: 6px;
      background: none;
      cursor: pointer;
    }
    .swatch--big {
      width: 44px;
      height: 34px;
    }
    .muted {
      color: var(--text-muted);
    }
  `,
})
export class TagsSettingsComponent implements OnInit {
  private readonly api = inject(TagsApi);
  protected readonly tags = inject(TagsStore);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);

  protected readonly loading = signal(true);
  protected readonly name = signal('');
  protected readonly color = signal(DEFAULT_COLOR);
  protected readonly creating = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  /** Tags with a change on its way to the server. */
  protected readonly busy = signal<ReadonlySet<string>>(new Set());

  ngOnInit(): void {
    this.api.list().subscribe({
      next: (tags) => {
        this.tags.set(tags);
        this.loading.set(false);
      },
      error: (err: unknown) => {
        this.loading.set(false);
        this.toast.error(this.errorText(err));
      },
    });
  }

  protected setName(value: string): void {
    this.name.set(value);
    this.clearError('name');
  }

  protected setColor(value: string): void {
    this.color.set(value);
    this.clearError('color');
  }

  protected create(): void {
    if (this.creating()) return;
    const name = this.name().trim();
    if (!name) {
      this.errors.set({ name: this.i18n.t('common.required') });
      return;
    }
    this.creating.set(true);
    this.errors.set({});
    this.api.create({ name, color: this.color() }).subscribe({
      next: (tag) => {
        this.creating.set(false);
        this.tags.upsert(tag);
        this.name.set('');
        this.toast.success(this.i18n.t('settings.tags.created', { name: tag.name }));
      },
      error: (err: unknown) => {
        this.creating.set(false);
        const errors = this.errorsOf(err);
        if (Object.keys(errors).length) this.errors.set(errors);
        else this.toast.error(this.errorText(err));
      },
    });
  }

  /** Inline rename, on blur or Enter; an empty or unchanged name just puts the old one back. */
  protected rename(tag: TagDto, input: HTMLInputElement): void {
    const name = input.value.trim();
    if (!name || name === tag.name) {
      input.value = tag.name;
      return;
    }
    this.save(tag, { name }, () => (input.value = tag.name));
  }

  protected recolor(tag: TagDto, input: HTMLInputElement): void {
    if (input.value.toLowerCase() === tag.color.toLowerCase()) return;
    this.save(tag, { color: input.value }, () => (input.value = tag.color));
  }

  private save(tag: TagDto, body: UpdateTagRequest, revert: () => void): void {
    this.setBusy(tag.id, true);
    this.api.update(tag.id, body).subscribe({
      next: (saved) => {
        this.setBusy(tag.id, false);
        this.tags.upsert(saved);
        this.toast.success(this.i18n.t('settings.tags.saved'));
      },
      error: (err: unknown) => {
        this.setBusy(tag.id, false);
        revert();
        const errors = this.errorsOf(err);
        this.toast.error(errors['name'] ?? errors['color'] ?? this.errorText(err));
      },
    });
  }

  protected remove(tag: TagDto): void {
    if (!confirm(this.i18n.t('settings.tags.confirmDelete', { name: tag.name }))) return;
    this.setBusy(tag.id, true);
    this.api.remove(tag.id).subscribe({
      next: () => {
        this.setBusy(tag.id, false);
        this.tags.remove(tag.id);
        this.toast.success(this.i18n.t('settings.tags.deleted'));
      },
      error: (err: unknown) => {
        this.setBusy(tag.id, false);
        this.toast.error(this.errorText(err));
      },
    });
  }

  /** Field errors of a 400, or the name's on a 409 `tag_exists`. */
  private errorsOf(err: unknown): Record<string, string> {
    if (apiErrorOf(err)?.code === 'tag_exists') return { name: this.i18n.t('settings.tags.exists') };
    return fieldErrors(err);
  }

  private clearError(field: string): void {
    if (!(field in this.errors())) return;
    this.errors.update((errors) => Object.fromEntries(Object.entries(errors).filter(([key]) => key !== field)));
  }

  private setBusy(id: string, on: boolean): void {
    this.busy.update((ids) => {
      const next = new Set(ids);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  private errorText(err: unknown): string {
    return apiErrorMessage(err, this.i18n.t('errors.unknown'), this.i18n.t('errors.network'));
  }
}

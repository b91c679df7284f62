import { ChangeDetectionStrategy, Component, computed, input, linkedSignal, output, signal } from '@angular/core';
import { TranslatePipe } from '../../../core/i18n/translate.pipe';

/** An approved WhatsApp template to send: its name, language and body parameters in order. */
export interface TemplateDraft {
  name: string;
  language: string;
  parameters: string[];
}

/**
 * The reply form for a closed messaging window: WhatsApp then accepts only pre-approved templates,
 * named as in Meta's WhatsApp Manager and filled with positional parameters ({{1}}, {{2}}, …).
 */
@Component({
  selector: 'ob-template-form',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="template" novalidate (submit)="$event.preventDefault(); submit()" data-testid="template-form">
      <div class="row">
        <label class="field name">
          <span class="field__label">{{ 'composer.template.name' | t }}</span>
          <input
            class="input input--sm"
            name="templateName"
            data-testid="template-name"
            autocomplete="off"
            spellcheck="false"
            [placeholder]="'composer.template.namePlaceholder' | t"
            [value]="name()"
            [disabled]="disabled()"
            (input)="name.set($any($event.target).value)"
          />
        </label>
        <label class="field language">
          <span class="field__label">{{ 'composer.template.language' | t }}</span>
          <input
            class="input input--sm"
            name="templateLanguage"
            data-testid="template-language"
            autocomplete="off"
            spellcheck="false"
            [value]="language()"
            [disabled]="disabled()"
            (input)="language.set($any($event.target).value)"
          />
        </label>
      </div>
      <div class="field">
        <span class="field__label">{{ 'composer.template.parameters' | t }}</span>
        @for (p of parameters(); track $index; let i = $index) {
          <div class="param">
            <input
              class="input input--sm"
              data-testid="template-param"
              [attr.aria-label]="'composer.template.parameter' | t: { n: i + 1 }"
              [placeholder]="placeholder(i)"
              [value]="p"
              [disabled]="disabled()"
              (input)="setParameter(i, $any($event.target).value)"
            />
            <button
              type="button"
              class="btn btn--ghost btn--sm"
              data-testid="template-param-remove"
              [attr.aria-label]="'composer.template.removeParameter' | t: { n: i + 1 }"
              [disabled]="disabled()"
              (click)="removeParameter(i)"
            >
              ×
            </button>
          </div>
        }
        <div class="bar">
          <button
            type="button"
            class="btn btn--sm"
            data-testid="template-param-add"
            [disabled]="disabled()"
            (click)="addParameter()"
          >
            + {{ 'composer.template.addParameter' | t }}
          </button>
          <button
            class="btn btn--primary btn--sm send"
            type="submit"
            data-testid="template-send"
            [disabled]="!canSend()"
          >
            {{ 'composer.template.send' | t }}
          </button>
        </div>
      </div>
    </form>
  `,
  styles: `
    .template {
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .row {
      display: flex;
      gap: 8px;
    }
    .name {
      flex: 1;
    }
    .language {
      width: 110px;
    }
    .param {
      display: flex;
      gap: 4px;
    }
    .bar {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    .send {
      margin-left: auto;
    }
  `,
})
export class TemplateFormComponent {
  /** The language preselected for a new template (the workspace's locale). */
  readonly defaultLanguage = input('en');
  /** Disables the whole form. */
  readonly disabled = input(false);
  /** A filled-in template to send. */
  readonly sendTemplate = output<TemplateDraft>();

  protected readonly name = signal('');
  protected readonly language = linkedSignal(() => this.defaultLanguage());
  protected readonly parameters = signal<string[]>([]);
  protected readonly canSend = computed(() => !this.disabled() && !!this.name().trim() && !!this.language().trim());

  /** How the template body refers to the parameter: {{1}}, {{2}}, … */
  protected placeholder(index: number): string {
    return `{{${index + 1}}}`;
  }

  protected addParameter(): void {
    this.parameters.update((list) => [...list, '']);
  }

  protected removeParameter(index: number): void {
    this.parameters.update((list) => list.filter((_, i) => i !== index));
  }

  protected setParameter(index: number, value: string): void {
    this.parameters.update((list) => list.map((p, i) => (i === index ? value : p)));
  }

  protected submit(): void {
    if (!this.canSend()) return;
    this.sendTemplate.emit({
      name: this.name().trim(),
      language: this.language().trim(),
      parameters: this.parameters().map((p) => p.trim()),
    });
    this.name.set('');
    this.parameters.set([]);
    this.language.set(this.defaultLanguage());
  }
}

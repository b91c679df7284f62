import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { ME, message, signIn } from '../../../../testing/fixtures';
import { MessageThreadComponent } from './message-thread.component';

describe('MessageThreadComponent highlight', () => {
  let fixture: ComponentFixture<MessageThreadComponent>;
  let scrolled: string[];

  beforeEach(async () => {
    localStorage.clear();
    signIn(ME);
    scrolled = [];
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this.getAttribute('data-message-id') ?? '');
    };
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])] });
    fixture = TestBed.createComponent(MessageThreadComponent);
    fixture.componentRef.setInput('messages', [message('m-1'), message('m-2'), message('m-3')]);
    fixture.componentRef.setInput('highlightId', 'm-2');
    await fixture.whenStable();
  });

  it('marks the message opened from search or a mention and scrolls it into view once', async () => {
    const el = fixture.nativeElement as HTMLElement;
    const marked = Array.from(el.querySelectorAll('ob-message-bubble.highlight'));
    expect(marked.map((m) => m.getAttribute('data-message-id'))).toEqual(['m-2']);
    expect(scrolled).toEqual(['m-2']);
    fixture.componentRef.setInput('messages', [message('m-1'), message('m-2'), message('m-3'), message('m-4')]);
    await fixture.whenStable();
    expect(scrolled).toEqual(['m-2']);
  });
});

import { findScript, readConfig } from './config';
import { Widget } from './widget';

export interface OneboxApi {
  open(): void;
  close(): void;
  toggle(): void;
}

declare global {
  interface Window {
    Onebox?: OneboxApi;
  }
}

// document.currentScript is only set while this file first runs, so the config is read right away.
const script = findScript(document);
const config = script && readConfig(script, document, navigator.language);

if (config && !window.Onebox) {
  const widget = new Widget(config);
  window.Onebox = {
    open: () => widget.open(),
    close: () => widget.close(),
    toggle: () => widget.toggle(),
  };
  const start = () => widget.mount(document.body);
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}

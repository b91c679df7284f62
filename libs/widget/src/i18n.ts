/** Every string the widget shows, in the two languages it speaks. Keep both in step. */
const en = {
  launcherOpen: 'Open chat',
  launcherClose: 'Close chat',
  close: 'Close',
  online: 'Online',
  offline: 'Offline',
  connecting: 'Connecting…',
  offlineNotice: "We're offline now — leave a message and we'll reply by email or here.",
  inputPlaceholder: 'Write a message…',
  inputLabel: 'Message',
  send: 'Send',
  attach: 'Attach a file',
  removeAttachment: 'Remove',
  typing: '{name} is typing…',
  sending: 'Sending…',
  notSent: 'Not sent.',
  retry: 'Retry',
  uploading: 'Uploading…',
  uploadFailed: 'Upload failed. Try again.',
  fileTooLarge: 'The file is larger than 10 MB.',
  fileType: 'This file type is not supported. Send images, PDF, TXT, Word or Excel files.',
  notConnected: 'No connection to the chat. Try again in a moment.',
  emptyState: 'Ask us anything — we are here to help.',
  prechatIntro: 'Please introduce yourself so we can reply even if you leave the page.',
  prechatName: 'Your name',
  prechatContact: 'Email or phone',
  prechatSubmit: 'Start chat',
  nameRequired: 'Enter your name.',
  contactRequired: 'Enter your email or phone number.',
  emailInvalid: 'Enter a valid email, e.g. name@example.com.',
  phoneInvalid: 'Enter a valid phone number, e.g. +7 900 123-45-67.',
  you: 'You',
  surveyThanks: 'Thank you for your feedback!',
  surveyComment: 'Your comment (optional)',
  surveyCommentIntro: 'Anything to add?',
  surveySkip: 'Skip',
  surveyLow: 'Poor',
  surveyHigh: 'Excellent',
  surveyUnlikely: 'Not likely',
  surveyLikely: 'Very likely',
  surveyEasy: 'Very easy',
  surveyHard: 'Very hard',
  invitationClose: 'Dismiss',
};

export type Messages = typeof en;
export type Lang = 'ru' | 'en';

const ru: Messages = {
  launcherOpen: 'Открыть чат',
  launcherClose: 'Закрыть чат',
  close: 'Закрыть',
  online: 'В сети',
  offline: 'Не в сети',
  connecting: 'Подключение…',
  offlineNotice: 'Сейчас мы не в сети — оставьте сообщение, и мы ответим по почте или здесь.',
  inputPlaceholder: 'Напишите сообщение…',
  inputLabel: 'Сообщение',
  send: 'Отправить',
  attach: 'Прикрепить файл',
  removeAttachment: 'Убрать',
  typing: '{name} печатает…',
  sending: 'Отправка…',
  notSent: 'Не отправлено.',
  retry: 'Повторить',
  uploading: 'Загрузка…',
  uploadFailed: 'Не удалось загрузить файл. Попробуйте ещё раз.',
  fileTooLarge: 'Файл больше 10 МБ.',
  fileType: 'Такой тип файла не поддерживается. Можно отправить изображения, PDF, TXT, Word или Excel.',
  notConnected: 'Нет связи с чатом. Попробуйте чуть позже.',
  emptyState: 'Задайте нам любой вопрос — мы на связи.',
  prechatIntro: 'Представьтесь, пожалуйста, чтобы мы могли ответить, даже если вы закроете страницу.',
  prechatName: 'Ваше имя',
  prechatContact: 'Email или телефон',
  prechatSubmit: 'Начать чат',
  nameRequired: 'Введите имя.',
  contactRequired: 'Введите email или номер телефона.',
  emailInvalid: 'Введите корректный email, например name@example.com.',
  phoneInvalid: 'Введите корректный номер телефона, например +7 900 123-45-67.',
  you: 'Вы',
  surveyThanks: 'Спасибо за оценку!',
  surveyComment: 'Ваш комментарий (необязательно)',
  surveyCommentIntro: 'Хотите что-то добавить?',
  surveySkip: 'Пропустить',
  surveyLow: 'Плохо',
  surveyHigh: 'Отлично',
  surveyUnlikely: 'Маловероятно',
  surveyLikely: 'Очень вероятно',
  surveyEasy: 'Очень легко',
  surveyHard: 'Очень трудно',
  invitationClose: 'Скрыть',
};

export const MESSAGES: Record<Lang, Messages> = { en, ru };

/** Maps any language tag ("ru-RU", "en_GB", "RU") to a supported language, or null. */
export function toLang(tag: string | null | undefined): Lang | null {
  const base = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return base === 'ru' || base === 'en' ? base : null;
}

/** The explicit `data-lang` wins, then the page's `<html lang>`, then the browser; English last. */
export function pickLang(
  dataLang: string | null | undefined,
  htmlLang: string | null | undefined,
  navigatorLang: string | null | undefined,
): Lang {
  return toLang(dataLang) ?? toLang(htmlLang) ?? toLang(navigatorLang) ?? 'en';
}

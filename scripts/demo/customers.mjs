// Who writes in the demo and what they say. Customers are fixed (the same WhatsApp numbers and
// website visitors come back on the next run); stories are picked at random per visit. A step is
// `{text}`, `{photo, caption}` or `{button}`; `reply` is what a colleague answers when the
// customer is one of theirs. Products match the demo shop at /demo.

/** @typedef {{ text?: string, photo?: boolean, caption?: string, button?: string, reply?: string }} Step */

export const CUSTOMERS = [
  // Telegram: chat id = user id for private chats.
  { channel: 'telegram', lang: 'ru', name: 'Анна Смирнова', chatId: 418_552_913, username: 'anna_smirnova' },
  { channel: 'telegram', lang: 'ru', name: 'Дмитрий Кузнецов', chatId: 1_022_347_781, username: 'dkuznetsov' },
  { channel: 'telegram', lang: 'en', name: 'James Carter', chatId: 5_316_804_227, username: 'jcarter' },
  { channel: 'telegram', lang: 'ru', name: 'Елена Попова', chatId: 733_190_456 },
  { channel: 'telegram', lang: 'ru', name: 'Михаил Волков', chatId: 2_094_661_308, username: 'm_volkov' },
  { channel: 'telegram', lang: 'en', name: 'Olivia Bennett', chatId: 6_120_447_915, username: 'liv_bennett' },
  // WhatsApp: wa_id is the phone number in international format without "+".
  { channel: 'whatsapp', lang: 'ru', name: 'Екатерина Новикова', waId: '79161234567' },
  { channel: 'whatsapp', lang: 'ru', name: 'Алексей Фёдоров', waId: '79035557788' },
  { channel: 'whatsapp', lang: 'en', name: 'Sophie Müller', waId: '4915123456789' },
  { channel: 'whatsapp', lang: 'ru', name: 'Наталья Соколова', waId: '79261112233' },
  { channel: 'whatsapp', lang: 'en', name: 'David Brown', waId: '447700900123' },
  { channel: 'whatsapp', lang: 'ru', name: 'Игорь Лебедев', waId: '79998887766' },
  // MAX: user ids as the MAX API gives them.
  { channel: 'max', lang: 'ru', name: 'Татьяна Морозова', userId: 91_224_518 },
  { channel: 'max', lang: 'ru', name: 'Павел Козлов', userId: 47_806_332, username: 'pkozlov' },
  { channel: 'max', lang: 'ru', name: 'Юлия Егорова', userId: 63_015_790 },
  { channel: 'max', lang: 'ru', name: 'Андрей Никитин', userId: 12_559_047 },
  { channel: 'max', lang: 'en', name: 'Maria Garcia', userId: 80_441_263 },
  // Website chat: visitors who introduce themselves.
  { channel: 'webchat', lang: 'ru', name: 'Ирина Белова', email: 'irina.belova@mail.ru' },
  { channel: 'webchat', lang: 'en', name: 'Tom Wilson', email: 'tom.wilson@gmail.com' },
  { channel: 'webchat', lang: 'ru', name: 'Светлана Орлова', email: 's.orlova@yandex.ru' },
  { channel: 'webchat', lang: 'ru', name: 'Николай Зайцев', email: 'n.zaitsev@vector-group.ru' },
  { channel: 'webchat', lang: 'en', name: 'Emma Johnson', email: 'emma.j@outlook.com' },
];

/** @type {Record<'ru' | 'en', Step[][]>} */
export const STORIES = {
  ru: [
    [
      {
        text: 'Здравствуйте! Сколько стоит кофемашина Aroma 300?',
        reply: 'Здравствуйте! 24 990 ₽, есть в наличии на складе в Москве.',
      },
      {
        text: 'А рассрочка есть? И какая гарантия?',
        reply: 'Да, рассрочка на 6 месяцев без переплаты, гарантия 2 года.',
      },
      { button: 'Оформить заказ', reply: 'Отлично! Оформила, ссылка на оплату придёт в этот чат.' },
    ],
    [
      {
        text: 'Добрый день! Доставляете в Казань? Сколько идёт?',
        reply: 'Добрый день! Да, 2–3 дня, 390 ₽, от 5 000 ₽ — бесплатно.',
      },
      { text: 'Можно курьером до двери, вечером после 19:00?', reply: 'Можно, курьер позвонит за час до приезда.' },
      { text: 'Спасибо, тогда оформлю на сайте 👍' },
    ],
    [
      {
        text: 'Подскажите размеры пледа Nord? Нужен на двуспальную кровать',
        reply: 'Есть 150×200 и 200×220 — на двуспальную лучше второй.',
      },
      { photo: true, caption: 'А такой цвет есть? Как на фото', reply: 'Да, это «графит», есть в обоих размерах.' },
      { text: 'Беру 200×220, оформите, пожалуйста', reply: 'Готово, заказ №48391, доставка завтра.' },
    ],
    [
      {
        text: 'Здравствуйте, заказ №48213 — когда приедет? Жду уже пятый день',
        reply: 'Проверяю… Заказ в СДЭК, привезут завтра до 18:00.',
      },
      { text: 'Трек-номер можно?', reply: 'Конечно: 1029384756, статус на сайте СДЭК.' },
      { text: 'Спасибо!' },
    ],
    [
      {
        text: 'Есть скидки на наушники Quiet Pro? У конкурентов видела дешевле',
        reply: 'По промокоду ONEBOX10 — минус 10%, выйдет 11 250 ₽.',
      },
      { text: 'А если взять две пары?', reply: 'На две пары — 15%, итого 21 250 ₽.' },
      { button: 'Беру две', reply: 'Отлично, резервирую две пары!' },
    ],
    [
      {
        text: 'Лампа Lumen мигает, купила неделю назад. Это брак?',
        reply: 'Очень жаль! Пришлите, пожалуйста, фото или видео.',
      },
      { photo: true, caption: 'Вот так выглядит', reply: 'Спасибо. Заменим по гарантии, курьер заберёт бесплатно.' },
      { text: 'Хорошо, жду курьера' },
    ],
    [
      {
        text: 'Нужно 12 ламп Lumen в офис. Выставите счёт на юрлицо?',
        reply: 'Да, конечно. От 10 штук скидка 12% — пришлите реквизиты.',
      },
      {
        text: 'ООО «Вектор», ИНН 7701234567. Счёт пришлите на почту, пожалуйста',
        reply: 'Счёт отправили, отгрузим в день оплаты.',
      },
    ],
    [
      {
        text: 'Кашпо Terra — какой диаметр у самого большого?',
        reply: '24 см, высота 21 см. Средний — 18, маленький — 12.',
      },
      { text: 'Подойдёт для монстеры?', reply: 'Для молодой — да, для взрослой лучше взять на размер больше.' },
    ],
  ],
  en: [
    [
      { text: 'Hi! How much is the Aroma 300 coffee machine?', reply: 'Hi! It is 24 990 ₽ and in stock.' },
      { text: 'Do you ship to Riga?', reply: 'Yes, 5–7 days by courier, 1 500 ₽.' },
      { button: 'Place order', reply: 'Done! You will get the payment link here.' },
    ],
    [
      {
        text: 'Hello, what are the delivery options to St Petersburg?',
        reply: 'Courier in 1–2 days (490 ₽) or free pickup points.',
      },
      { text: 'Is next-day delivery possible?', reply: 'Yes, if you order before 3 pm.' },
      { text: 'Great, thanks!' },
    ],
    [
      { text: 'What size are the Terra planters in the set of 3?', reply: '12, 18 and 24 cm in diameter.' },
      {
        photo: true,
        caption: 'Will the big one fit on this shelf?',
        reply: 'The shelf looks about 30 cm deep, so yes, it fits.',
      },
      { text: 'Perfect, I will take the set' },
    ],
    [
      {
        text: 'Hi, my order #51877 has not arrived yet. Any update?',
        reply: 'Checking… it is out for delivery today.',
      },
      {
        text: 'Can I still change the delivery address?',
        reply: 'Yes, send me the new address and I will pass it to the courier.',
      },
      { text: 'Thanks a lot 🙏' },
    ],
    [
      {
        text: 'Any discount codes for first-time customers?',
        reply: 'Sure: WELCOME10 gives 10% off your first order.',
      },
      { text: 'Does it stack with the sale price on Quiet Pro?', reply: 'It does, up to 25% in total.' },
      { button: 'Apply code', reply: 'Applied, the new total is in your cart.' },
    ],
  ],
};

export const GREETINGS_AGAIN = {
  ru: ['Снова здравствуйте! ', 'Это снова я 🙂 ', 'Добрый день ещё раз! ', ''],
  en: ['Hi again! ', 'Hello, it is me again. ', ''],
};

export const CLOSINGS = {
  ru: ['Обращайтесь! Хорошего дня 🙂', 'Спасибо, что выбрали нас!', 'Рады помочь, всего доброго!'],
  en: ['Happy to help, have a great day!', 'Thanks for shopping with us!'],
};

/** Where MAX customers came from (the deep link's start payload). */
export const MAX_START_PAYLOADS = ['ad_vk_spring', 'site_footer', 'qr_store_tverskaya', 'promo_newsletter'];

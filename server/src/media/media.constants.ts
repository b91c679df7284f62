export const MEDIA_QUEUE = 'fetch-media';

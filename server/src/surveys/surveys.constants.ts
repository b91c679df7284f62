export const SURVEYS_QUEUE = 'surveys';
/** A survey waits for nothing external but its delivery job: a few attempts cover a crash. */
export const SURVEYS_MAX_ATTEMPTS = 5;

export const BOT_QUEUE = 'bot';
export const BOT_MAX_ATTEMPTS = 5;

/**
 * SQL: the cycle of conversation `c` (on channel `ch`) is in the bot phase — the channel's bot is
 * on, nobody has replied in the cycle yet and the bot has not handed it over. `bot_state` counts
 * only for the cycle in `bot_cycle`, so a new cycle starts in the bot phase again by itself.
 */
export function botPhaseSql(c: string, ch: string): string {
  return `(${ch}.settings->'bot'->>'enabled') = 'true' AND ${c}.status <> 'resolved'
    AND ${c}.first_human_reply_at IS NULL
    AND NOT COALESCE(${c}.bot_state = 'handed_over' AND ${c}.bot_cycle = ${c}.cycle, false)`;
}

/**
 * Reserves turns for calls that must be spaced (a platform's or a CRM's published rate): each
 * `reserve(key, intervalMs)` takes the next free slot of the key and answers how many ms the
 * caller waits for it. With `REDIS_URL` the slots are shared by every server process, so two
 * processes together keep the same rate one would; without it, in process memory.
 */
export interface PacingStore {
  reserve(key: string, intervalMs: number): Promise<number>;
}

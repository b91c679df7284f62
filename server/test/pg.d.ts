/** The little of `pg` the integration tests use to create and drop their databases (no @types/pg here). */
declare module 'pg' {
  export class Client {
    constructor(options: { connectionString: string });
    connect(): Promise<void>;
    query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
    end(): Promise<void>;
  }
}

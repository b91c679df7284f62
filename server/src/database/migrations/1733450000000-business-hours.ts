import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Working-hours variants of the time metrics, computed at query time: `onebox_business_ms(t, …)`
 * is the business milliseconds before `t` on a clock given as sorted openings (`opens`), the
 * business milliseconds before each (`before`) and each one's length (`lengths`). A binary search
 * (`width_bucket`) finds the opening at or before `t`; business time between two instants is the
 * difference of the clock at both. The server builds the clock from the workspace's schedule.
 */
export class BusinessHours1733450000000 implements MigrationInterface {
  name = 'BusinessHours1733450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION onebox_business_ms(t timestamptz, opens timestamptz[], before float8[], lengths float8[])
      RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT CASE WHEN i = 0 THEN 0::float8
                    ELSE before[i] + least(greatest((extract(epoch FROM t - opens[i]) * 1000)::float8, 0), lengths[i]) END
          FROM (SELECT coalesce(width_bucket(t, opens), 0) AS i) AS found
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION onebox_business_ms(timestamptz, timestamptz[], float8[], float8[])`);
  }
}

const { Client } = require('pg');

module.exports = async () => {
  const name = process.env.TEST_DATABASE_NAME;
  if (!name) return;
  const client = new Client({
    connectionString: process.env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await client.connect();
  // The run's database and any an app left behind (each app gets `<run>_<pid>_<n>`).
  const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [
    name,
    `${name}\\_%`,
  ]);
  for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await client.end();
};

const { Client } = require('pg');

module.exports = async () => {
  const name = process.env.TEST_DATABASE_NAME;
  if (!name) return;
  const client = new Client({
    connectionString: process.env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
};

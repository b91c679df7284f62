// Creates a fresh PostgreSQL database for this test run (127.0.0.1:5432, user postgres, trust auth
// unless TEST_PG_URL says otherwise) and hands its URL to the tests through TEST_DATABASE_URL.
const { Client } = require('pg');

module.exports = async () => {
  const admin = process.env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `onebox_test_${process.pid}_${Date.now()}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  process.env.TEST_DATABASE_URL = url.toString();
  process.env.TEST_DATABASE_NAME = name;
};

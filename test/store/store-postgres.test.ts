import { postgresUrl } from '../helpers/environment.ts';
import { openTestStore } from '../helpers/server.ts';
import { defineStoreContract } from './store-contract.ts';

const url = postgresUrl();
defineStoreContract('PostgreSQL', () => openTestStore({ postgresUrl: url }), !url);

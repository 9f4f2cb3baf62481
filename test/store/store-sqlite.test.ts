import { openTestStore } from '../helpers/server.ts';
import { defineStoreContract } from './store-contract.ts';

defineStoreContract('SQLite', () => openTestStore());

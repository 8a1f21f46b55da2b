import { MemoryStore } from '../../src/store/memory-store';
import { describeStoreContract } from './store-contract';

describeStoreContract('MemoryStore', { create: async () => new MemoryStore() });

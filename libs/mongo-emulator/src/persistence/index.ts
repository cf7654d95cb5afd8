export { EmulatorPersistence } from './emulator-persistence';
export type { PersistenceOptions } from './emulator-persistence';

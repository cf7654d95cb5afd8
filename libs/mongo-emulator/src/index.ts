export { MongoEmulator } from './mongo-emulator';
export type { MongoEmulatorOptions } from './mongo-emulator';

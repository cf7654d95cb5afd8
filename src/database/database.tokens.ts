export const MONGO_BACKEND = Symbol('MONGO_BACKEND');

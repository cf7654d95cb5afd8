export * from './test-backend';
export * from './test-env';
export * from './wait-for';
export * from './webhook-receiver';
export * from './authenticated-request';

export * from './common';
export * from './permissions';
export * from './tenants';
export * from './identity';
export * from './contacts';
export * from './scoring';
export * from './channels';

// jose publishes its types only through package.json "exports", which this project's
// moduleResolution (node10, for CommonJS under jest) does not read; point at them directly.
declare module 'jose' {
  export * from 'jose/dist/types/index';
}

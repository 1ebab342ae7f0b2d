/** Provinces and their prefecture-level cities, [code, name, cities]; made at build time by web/build.mjs. */
declare module 'gbt2260:cities' {
  const provinces: ReadonlyArray<readonly [code: string, name: string, cities: ReadonlyArray<readonly [code: string, name: string]>]>;
  export default provinces;
}

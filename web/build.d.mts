/** Types of web/build.mjs (the pages' build, plain JavaScript so it runs before tsc). */
export declare const PAGE_ENTRIES: readonly ['resident', 'checkpoint'];
export declare function buildWeb(outDir: string): Promise<string>;

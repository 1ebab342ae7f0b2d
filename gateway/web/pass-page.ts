/** Where the print view of a 通行证 is served; the pass itself follows in the fragment (#<jws>), which never reaches a server. */
export const PASS_PAGE_PATH = '/pass';

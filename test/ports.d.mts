/** Types for ports.mjs (plain JavaScript, shared by the .mjs scripts and the TypeScript suites). */
export declare const PORT_CLASH: RegExp;
export declare function freePort(): Promise<number>;
export declare function retryOnPortClash<T>(start: () => Promise<T>, say?: (line: string) => void): Promise<T>;
